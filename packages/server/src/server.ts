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
  const address = await app.listen({ port: config.PORT, host: config.HOST });
  const port = app.server.address();
  const url =
    typeof port === 'object' && port
      ? `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${port.port}`
      : address;
  app.log.info({ url }, 'cart server listening');

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
}

void main();
