/**
 * Writes docs/openapi.json, the OpenAPI document exactly as the server serves it at
 * `/openapi.json` (with the default configuration): `npm run openapi`. Committed so
 * that a client can be generated without running the server and so that a change to
 * the API shows in review; packages/server/src/plugins/external/swagger.test.ts fails
 * when it is out of date, and `npm run lint:api` lints it with Spectral and Redocly.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { servedOpenApiDocument } from './openapi-document.ts';

const target = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));
writeFileSync(target, `${JSON.stringify(await servedOpenApiDocument(), null, 2)}\n`);
process.stdout.write(`wrote ${target}\n`);
