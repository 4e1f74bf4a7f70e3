import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertWebhook, alertmanagerPayload, type AlertNotice } from './webhook.ts';

interface Received {
  body: ReturnType<typeof alertmanagerPayload>;
  contentType: string | undefined;
}

/** A webhook receiver on 127.0.0.1 answering each POST with the next status of `statuses` (then 200). */
async function receiver(statuses: number[] = [], hangMs = 0) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({
        body: JSON.parse(text) as Received['body'],
        contentType: req.headers['content-type'],
      });
      const status = statuses.shift() ?? 200;
      setTimeout(() => res.writeHead(status).end('{}'), hangMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  servers.push(server);
  return { url: `http://127.0.0.1:${port}/hook?token=secret-in-url`, received };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

/** A logger whose lines the test reads. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const log = pino(
    { level: 'debug' },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { log, lines };
}

const firing: AlertNotice = {
  rule: 'ErrorBudgetBurnPage',
  severity: 'page',
  status: 'firing',
  summary: 'Error budget burning 20.0× over 1h',
  startsAt: '2026-01-01T00:00:00.000Z',
  endsAt: null,
};
const resolved: AlertNotice = { ...firing, status: 'resolved', endsAt: '2026-01-01T00:10:00.000Z' };

describe('alertmanagerPayload', () => {
  it('is an Alertmanager webhook (version 4) notification of one alert', () => {
    const body = alertmanagerPayload(firing);
    expect(body).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'cart-server',
      groupLabels: { alertname: 'ErrorBudgetBurnPage' },
      commonLabels: { alertname: 'ErrorBudgetBurnPage', severity: 'page' },
      commonAnnotations: { summary: firing.summary },
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'ErrorBudgetBurnPage', severity: 'page' },
          annotations: { summary: firing.summary },
          startsAt: firing.startsAt,
          endsAt: '0001-01-01T00:00:00Z',
        },
      ],
    });
    expect(body.alerts[0]?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(alertmanagerPayload(resolved).alerts[0]?.endsAt).toBe(resolved.endsAt);
  });
});

describe('AlertWebhook', () => {
  it('delivers notices in order, as JSON', async () => {
    const { url, received } = await receiver();
    const { log } = capture();
    const hook = new AlertWebhook(url, log);
    hook.send(firing);
    hook.send(resolved);
    await hook.idle();
    expect(received.map((r) => r.body.status)).toEqual(['firing', 'resolved']);
    expect(received[0]?.contentType).toBe('application/json');
  });

  it('retries a 5xx and a 429 with backoff, then delivers', async () => {
    const { url, received } = await receiver([503, 429]);
    const { log, lines } = capture();
    const hook = new AlertWebhook(url, log, { backoffMs: 1 });
    hook.send(firing);
    await hook.idle();
    expect(received).toHaveLength(3);
    expect(lines.filter((l) => l.msg === 'alert webhook failed, retrying')).toHaveLength(2);
    expect(lines.at(-1)).toMatchObject({ msg: 'alert webhook delivered', attempts: 3 });
    // The URL may carry a credential: it is never logged.
    expect(JSON.stringify(lines)).not.toContain('secret-in-url');
  });

  it('gives up after the last retry, and does not retry a 4xx', async () => {
    const failing = await receiver([500, 500, 500]);
    const { log, lines } = capture();
    const hook = new AlertWebhook(failing.url, log, { retries: 2, backoffMs: 1 });
    hook.send(firing);
    await hook.idle();
    expect(failing.received).toHaveLength(3);
    expect(lines.at(-1)).toMatchObject({ msg: 'alert webhook gave up', outcome: 'status 500' });

    const refusing = await receiver([400]);
    const other = new AlertWebhook(refusing.url, log, { backoffMs: 1 });
    other.send(firing);
    await other.idle();
    expect(refusing.received).toHaveLength(1);
    expect(lines.at(-1)).toMatchObject({ msg: 'alert webhook refused the notice' });
  });

  it('times out a receiver that does not answer, and retries', async () => {
    // The receiver counts a request once its body is in; the timeout leaves time for that
    // on a busy machine (at 50 ms, an attempt could end before the receiver saw it).
    const { url, received } = await receiver([], 10_000);
    const { log, lines } = capture();
    const hook = new AlertWebhook(url, log, { timeoutMs: 1000, retries: 1, backoffMs: 1 });
    hook.send(firing);
    await hook.idle();
    expect(received).toHaveLength(2);
    expect(lines.at(-1)).toMatchObject({ msg: 'alert webhook gave up', outcome: 'timeout' });
  });

  it('reports a receiver that cannot be reached, and drops everything once closed', async () => {
    const { log, lines } = capture();
    const hook = new AlertWebhook('http://127.0.0.1:9/', log, { retries: 0 });
    hook.send(firing);
    await hook.idle();
    expect(lines.at(-1)).toMatchObject({ msg: 'alert webhook gave up', outcome: 'network error' });

    const slow = await receiver([], 5000);
    const closing = new AlertWebhook(slow.url, log, { backoffMs: 1 });
    closing.send(firing);
    closing.send(resolved);
    while (slow.received.length === 0) await new Promise((r) => setTimeout(r, 10));
    await closing.close(); // aborts the attempt in flight, drops the rest
    closing.send(firing);
    await closing.idle();
    expect(slow.received).toHaveLength(1);
  });
});
