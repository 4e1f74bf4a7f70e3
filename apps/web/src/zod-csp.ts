/**
 * The core schemas check the server's answers in the browser too. Classic zod compiles
 * fast object parsers with `new Function` unless told not to, and its probe for that is
 * reported as a violation by our Content-Security-Policy (no 'unsafe-eval'), even though
 * zod catches the refusal. Core's schemas are zod/mini ones, whose objects are never
 * compiled (the built pages hold no `Function` at all); the setting stays so that a
 * classic schema, should one reach a page, still makes no probe. Import this module before
 * anything that builds a schema (first in every page's entry): schemas read the setting
 * when they are made. `config` is zod core's one setting for both flavours, taken from
 * zod/mini so that nothing here brings classic zod into the page.
 */
import { config } from 'zod/mini';

config({ jitless: true });
