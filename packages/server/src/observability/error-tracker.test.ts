import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStorage } from '../storage/sqlite/storage.ts';
import { ErrorTracker } from './error-tracker.ts';

describe('ErrorTracker', () => {
  let dir: string;
  let storage: SqliteStorage;
  let lines: Record<string, unknown>[];
  let registry: Registry;
  let tracker: ErrorTracker;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cart-tracker-'));
    storage = new SqliteStorage(join(dir, 'cart.db'));
    lines = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        callback();
      },
    });
    registry = new Registry();
    tracker = new ErrorTracker({
      storage,
      log: pino({ level: 'info' }, stream),
      registry,
      secrets: ['configured-admin-token-0123456789'],
      now: () => new Date('2026-11-28T10:00:00.000Z'),
    });
  });

  afterEach(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records in the background, scrubbed, and flush waits for it', async () => {
    tracker.capture(new Error('login with configured-admin-token-0123456789\nfailed'), {
      route: 'POST /api/admin/products',
      requestId: 'req-1',
    });
    await tracker.flush();
    const { items } = await storage.listErrorGroups({ cursor: null, limit: 10 });
    expect(items).toMatchObject([
      {
        source: 'server',
        errorClass: 'Error',
        message: 'login with [redacted] failed',
        route: 'POST /api/admin/products',
        topFrame: expect.stringMatching(
          /^packages\/server\/src\/observability\/error-tracker\.test\.ts:\d+$/,
        ) as string,
        count: 1,
        firstSeen: '2026-11-28T10:00:00.000Z',
        sampleRequestId: 'req-1',
      },
    ]);
    const group = await storage.getErrorGroup(items[0]?.fingerprint ?? '');
    expect(group?.stack).not.toContain('configured-admin-token-0123456789');
  });

  it('records a thrown value that is not an Error', async () => {
    tracker.capture('plain text thrown', { route: 'background: sweep', requestId: null });
    await tracker.flush();
    const { items } = await storage.listErrorGroups({ cursor: null, limit: 10 });
    expect(items).toMatchObject([
      { errorClass: 'NonError', message: 'plain text thrown', topFrame: '', sampleRequestId: null },
    ]);
  });

  it('never throws when the database is down: it counts, logs once, and goes on', async () => {
    await storage.close();
    expect(() => {
      tracker.capture(new TypeError('first'), { route: 'GET /x', requestId: 'a' });
      tracker.capture(new TypeError('second'), { route: 'GET /x', requestId: 'b' });
    }).not.toThrow();
    await tracker.flush();
    const warnings = lines.filter((l) => l.msg === 'error tracking could not record an error');
    expect(warnings).toHaveLength(1);
    const text = await registry.metrics();
    expect(text).toMatch(/^cart_errors_captured_total\{source="server"\} 2$/m);
    expect(text).toMatch(/^cart_errors_captured_total\{source="client"\} 0$/m);
  });

  it('shares the counter when the registry already has it', () => {
    expect(
      () => new ErrorTracker({ storage, log: pino({ level: 'silent' }), registry }),
    ).not.toThrow();
  });
});
