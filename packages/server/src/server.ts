import { randomBytes } from 'node:crypto';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';

/**
 * Starts the service: reads the configuration (a bad value stops here with one line),
 * builds the app, listens, and on SIGTERM/SIGINT stops taking requests, lets those in
 * flight finish, and closes the database cleanly.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  // Without ADMIN_TOKEN, someone running `npm start` at a terminal still needs a way into
  // /dashboard: a random token for this run, shown once on that terminal below. Only on a
  // terminal: when stderr goes to a file, a supervisor or CI, it is a log stream that
  // others read and keep, so no token is made (the admin API answers 401) and the
  // operator is told to set ADMIN_TOKEN instead.
  const interactive = process.stderr.isTTY;
  const generatedAdminToken =
    config.ADMIN_TOKEN === undefined && interactive
      ? randomBytes(24).toString('base64url')
      : undefined;
  if (generatedAdminToken !== undefined) config = { ...config, ADMIN_TOKEN: generatedAdminToken };
  let app;
  try {
    app = await buildApp(config);
  } catch (error) {
    // e.g. the database is unreachable: one line, not a stack trace.
    process.stderr.write(
      `cannot start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  }
  let address: string;
  try {
    address = await app.listen({ port: config.PORT, host: config.HOST });
  } catch (error) {
    // e.g. EADDRINUSE (the port is taken): one line too, and the database closed.
    process.stderr.write(
      `cannot start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    await app.close();
    process.exit(1);
  }
  const port = app.server.address();
  const url =
    typeof port === 'object' && port
      ? `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${port.port}`
      : address;
  app.log.info({ url, dashboard: `${url}/dashboard` }, 'cart server listening');
  if (generatedAdminToken !== undefined)
    process.stderr.write(
      `\nDashboard: ${url}/dashboard\n` +
        `ADMIN_TOKEN was not set, so this run made one (it changes at every start): ${generatedAdminToken}\n` +
        `Set ADMIN_TOKEN (at least 16 characters) to choose your own.\n\n`,
    );
  else if (config.ADMIN_TOKEN === undefined)
    process.stderr.write(
      'ADMIN_TOKEN is not set, and a generated one is shown only on an interactive terminal: ' +
        'the dashboard and the admin API are locked for this run. ' +
        'Set ADMIN_TOKEN (at least 16 characters) to use them.\n',
    );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down: draining in-flight requests');
    const force = setTimeout(() => {
      app.log.error('shutdown grace period passed; exiting');
      process.exit(1);
    }, config.SHUTDOWN_GRACE_MS);
    force.unref();
    app.close().then(
      () => {
        app.log.info('stopped cleanly');
        process.exit(0);
      },
      (error: unknown) => {
        app.log.error({ err: error }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  // Failures nobody caught are logged and captured by error tracking
  // (docs/operations.md#error-tracking). A stray rejected promise leaves the process running; an
  // uncaught exception may have left it in any state, so once it is recorded (waiting at
  // most 2 s) the process exits 1, for its supervisor to start a fresh one.
  process.on('unhandledRejection', (reason) => {
    app.log.error({ err: reason }, 'unhandled rejection');
    app.errorTracker.capture(reason, { route: 'process: unhandledRejection', requestId: null });
  });
  process.on('uncaughtException', (error) => {
    app.log.fatal({ err: error }, 'uncaught exception');
    app.errorTracker.capture(error, { route: 'process: uncaughtException', requestId: null });
    const exit = () => process.exit(1);
    setTimeout(exit, 2000).unref();
    app.errorTracker.flush().then(exit, exit);
  });
}

void main();
