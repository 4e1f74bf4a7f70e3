/**
 * The core schemas check the server's answers in the browser too. Zod compiles fast
 * parsers with `new Function` unless told not to, and its probe for that is reported as
 * a violation by our Content-Security-Policy (no 'unsafe-eval'), even though zod catches
 * the refusal. Import this module before anything that builds a schema (first in every
 * page's entry): schemas read the setting when they are made. Core's schemas are zod/mini
 * ones; `config` is zod core's one setting for both flavours, imported from zod/mini so
 * that nothing here brings classic zod into the page.
 */
import { config } from 'zod/mini';

config({ jitless: true });
