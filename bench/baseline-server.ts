/**
 * The baseline: bare Fastify on 127.0.0.1, no plugins, no logger, started as its own
 * process (pinned to the server CPU) exactly as the cart server is. `GET /` answers a small
 * JSON; `POST /` echoes the small JSON body it is sent. The cart server's numbers are
 * read as fractions of these, measured in the same run on the same machine.
 */
import Fastify from 'fastify';

const app = Fastify();
app.get('/', () => ({ ok: true }));
app.post('/', (request) => ({ ok: true, body: request.body }));

const address = await app.listen({ host: '127.0.0.1', port: 0 });
// The line the benchmark waits for, shaped like the cart server's.
process.stdout.write(`${JSON.stringify({ msg: 'baseline server listening', url: address })}\n`);

process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
