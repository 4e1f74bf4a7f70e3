/**
 * Zod's English messages ("Too small: expected number to be >=1"), which core's schemas
 * give wherever they set no message of their own. Classic zod installs them by itself;
 * `zod/mini`, which core uses so that a browser bundle keeps only the zod it needs, does
 * not, and would say "Invalid input" instead. Every module that builds a schema imports
 * this one, and package.json lists it in `sideEffects` so that no bundler drops it. A
 * locale the app chose (`z.config(z.locales.fr())`) is kept, as classic zod keeps it.
 */
import * as z from 'zod/mini';
// The one locale, by its own module: through `z.locales`, esbuild keeps every locale.
import en from 'zod/v4/locales/en.js';

if (!z.config().localeError) z.config(en());
