/**
 * The core schemas check the server's answers in the browser too. Zod compiles fast
 * parsers with `new Function` unless told not to, and its probe for that is reported as
 * a violation by our Content-Security-Policy (no 'unsafe-eval'), even though zod catches
 * the refusal. Import this module before anything that builds a schema (first in every
 * page's entry): schemas read the setting when they are made.
 */
import { config } from 'zod';

config({ jitless: true });
