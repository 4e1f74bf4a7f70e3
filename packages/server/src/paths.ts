import { resolve } from 'node:path';

/**
 * The server package's folder (packages/server), the one place the files read at run
 * time (the SQL migrations, the web build, the repository's root for error frames) are
 * found from. A module's own `import.meta.dirname` moves when it is bundled: `npm start`
 * runs everything in one file, packages/server/dist/server.js (scripts/build.js). This
 * module sits one folder below the package both as source (src/paths.ts) and bundled
 * (dist/server.js), so the same `..` is right in both.
 */
export const SERVER_ROOT = resolve(import.meta.dirname, '..');
