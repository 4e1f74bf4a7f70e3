/**
 * Writes docs/errors.md from the error catalog and the served OpenAPI document:
 * `npx tsx --conditions=@cart/source scripts/gen-error-docs.ts` (the workspace's packages
 * from their sources). packages/server/src/routes/error-docs.test.ts fails when the page is
 * out of date.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderErrorDocs } from './error-docs.ts';

const target = fileURLToPath(new URL('../docs/errors.md', import.meta.url));
writeFileSync(target, await renderErrorDocs());
process.stdout.write(`wrote ${target}\n`);
