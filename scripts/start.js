/**
 * `npm start`: brings the web build and the server bundle up to date (scripts/build.js:
 * only what changed is rebuilt, nothing on a start where no source did), then runs the
 * compiled server, packages/server/dist/server.js, in this same process.
 *
 * In this process rather than a child: signals (SIGTERM from a supervisor, Ctrl-C) go
 * straight to the server's own handlers, its exit code is the process's, and no server is
 * left behind holding the port when a supervisor kills the starter with SIGKILL.
 * Source maps are turned on first, as `node --enable-source-maps` would, so that stack
 * traces name the TypeScript files and lines.
 */
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { buildIfStale, exitAfterFailure, SERVER_BUNDLE } from './build.js';

try {
  await buildIfStale(['web', 'server']);
} catch (error) {
  exitAfterFailure(error, 'cannot start: the build failed');
}
process.setSourceMapsEnabled(true);
await import(pathToFileURL(SERVER_BUNDLE).href);
