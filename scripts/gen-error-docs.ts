/**
 * Writes docs/errors.md from the error catalog: `npx tsx scripts/gen-error-docs.ts`.
 * packages/core/src/errors/catalog.test.ts fails when the page is out of date.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderErrorDocs } from './error-docs.ts';

const target = fileURLToPath(new URL('../docs/errors.md', import.meta.url));
writeFileSync(target, renderErrorDocs());
process.stdout.write(`wrote ${target}\n`);
