import { describe, expect, it } from 'vitest';
import { openReply, type IdempotencyContext, type StoredReply } from '../security/idempotency.ts';
import { WriteConflictError, type IdempotencyRecord } from '../storage/port.ts';
import { MutationRunner, refusal, type Keyed, type Refusal } from './mutation-runner.ts';

type Outcome = { kind: 'done'; n: number } | Refusal;

const now = new Date('2026-01-01T00:00:00.000Z');
const context: IdempotencyContext = { key: 'k-1', id: 'record-1', fingerprint: 'fp-1' };
const keyed: Keyed<Outcome> = {
  context,
  render: (o): StoredReply =>
    o.kind === 'done'
      ? { status: 200, headers: { etag: `"${o.n}"` }, body: { n: o.n } }
      : { status: o.code === 'RATE_LIMITED' ? 429 : 409, headers: {}, body: { code: o.code } },
};
const runner = new MutationRunner({ IDEMPOTENCY_TTL_SECONDS: 60 });

describe('MutationRunner', () => {
  it('decides without a key and keeps no answer', async () => {
    const settled = await runner.run(null, now, (settle) =>
      Promise.resolve(settle(null, () => ({ outcome: { kind: 'done', n: 1 }, owner: 'c' }))),
    );
    expect(settled.ran).toEqual({ kind: 'decided', outcome: { kind: 'done', n: 1 } });
    expect(settled.record).toBeNull();
  });

  it('seals the rendered answer for a key, replays it, and refuses the key reused', async () => {
    const first = await runner.run(keyed, now, (settle) =>
      Promise.resolve(settle(null, () => ({ outcome: { kind: 'done', n: 2 }, owner: 'c' }))),
    );
    const record = first.record as IdempotencyRecord;
    expect(record).toMatchObject({
      id: 'record-1',
      fingerprint: 'fp-1',
      cartId: 'c',
      createdAt: now.toISOString(),
      expiresAt: '2026-01-01T00:01:00.000Z',
    });
    expect(openReply(context, record.payload)).toEqual({
      status: 200,
      headers: { etag: '"2"' },
      body: { n: 2 },
    });

    let decided = 0;
    const decide = () => {
      decided += 1;
      return { outcome: { kind: 'done', n: 3 } as Outcome, owner: null };
    };
    const again = await runner.run(keyed, now, (settle) => Promise.resolve(settle(record, decide)));
    expect(again.ran).toEqual({
      kind: 'replayed',
      answer: { status: 200, headers: { etag: '"2"' }, body: { n: 2 } },
    });
    const reused = await runner.run(keyed, now, (settle) =>
      Promise.resolve(settle({ ...record, fingerprint: 'other' }, decide)),
    );
    expect(reused).toMatchObject({ ran: { kind: 'keyReused' }, record: null, decision: null });
    expect(decided).toBe(0);
  });

  it('keeps no answer that is not storable (429)', async () => {
    const settled = await runner.run(keyed, now, (settle) =>
      Promise.resolve(
        settle(null, () => ({ outcome: refusal('RATE_LIMITED', 'slow down'), owner: null })),
      ),
    );
    expect(settled.record).toBeNull();
    expect(settled.ran).toMatchObject({ kind: 'decided', outcome: { code: 'RATE_LIMITED' } });
  });

  it('tries again after a lost race, five attempts at most, and nothing else', async () => {
    const conflict = () => Promise.reject(new WriteConflictError('version', 'c'));
    let attempts = 0;
    const lost = () => {
      attempts += 1;
      return conflict();
    };
    await expect(runner.run(null, now, lost)).rejects.toBeInstanceOf(WriteConflictError);
    expect(attempts).toBe(5);

    attempts = 0;
    const won = await runner.run(null, now, () => {
      attempts += 1;
      return attempts < 3 ? conflict() : Promise.resolve('ok');
    });
    expect(won).toBe('ok');
    expect(attempts).toBe(3);

    attempts = 0;
    await expect(
      runner.run(null, now, () => {
        attempts += 1;
        return Promise.reject(new TypeError('a bug'));
      }),
    ).rejects.toBeInstanceOf(TypeError);
    expect(attempts).toBe(1);
  });
});
