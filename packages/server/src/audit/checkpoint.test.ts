import { createHmac } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { canonicalJson } from './chain.ts';
import {
  CHECKPOINT_FORMAT,
  checkpointSignatureProblem,
  parseCheckpoint,
  signCheckpoint,
  type AuditCheckpoint,
} from './checkpoint.ts';
import { AuditKeyring, type AuditKey } from './keyring.ts';

const keyA: AuditKey = { id: 'a', secret: Buffer.alloc(32, 1) };
const keyB: AuditKey = { id: 'b', secret: Buffer.alloc(32, 2) };
const head = { seq: 7, hash: 'ab'.repeat(32), legacyRecords: 2 };
const at = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));

const signed = (): AuditCheckpoint => signCheckpoint(head, keyA, at);

const NOT_IN_RING = 'not in the keyring';
const DOES_NOT_VERIFY = 'the checkpoint signature does not verify';

describe('signCheckpoint', () => {
  it('records the head, the time and the key id, with an HMAC-SHA-256 over a prefix and the canonical fields', () => {
    const checkpoint = signed();
    const fields = {
      format: 'cart-audit-checkpoint/1',
      seq: 7,
      hash: 'ab'.repeat(32),
      legacyRecords: 2,
      at: '2026-01-02T03:04:05.678Z',
      keyId: 'a',
    };
    const expected = createHmac('sha256', keyA.secret)
      .update('cart-audit-checkpoint/1 signature\n')
      .update(canonicalJson(fields))
      .digest('hex');
    expect(checkpoint).toEqual({ ...fields, signature: expected });
    // The prefix keeps it apart from a plain MAC of the same fields.
    const unprefixed = createHmac('sha256', keyA.secret)
      .update(canonicalJson(fields))
      .digest('hex');
    expect(checkpoint.signature).not.toBe(unprefixed);
  });

  it('takes the current time when none is given', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date(Date.UTC(2026, 4, 6, 7, 8, 9, 10)));
      const checkpoint = signCheckpoint(head, keyA);
      expect(checkpoint.at).toBe('2026-05-06T07:08:09.010Z');
      expect(checkpointSignatureProblem(checkpoint, new AuditKeyring([keyA], 'a'))).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it('signs an empty chain (seq 0) and gives each key its own signature', () => {
    const empty = { seq: 0, hash: '0'.repeat(64), legacyRecords: 0 };
    const byA = signCheckpoint(empty, keyA, at);
    const byB = signCheckpoint(empty, keyB, at);
    expect(byA.seq).toBe(0);
    expect(byB.keyId).toBe('b');
    expect(byA.signature).not.toBe(byB.signature);
    expect(parseCheckpoint(JSON.stringify(byA))).toEqual({ ok: true, checkpoint: byA });
  });
});

describe('checkpointSignatureProblem', () => {
  const ring = new AuditKeyring([keyA, keyB], 'test');

  it('accepts an untouched checkpoint, after a round trip through its file text too', () => {
    const checkpoint = signed();
    expect(checkpointSignatureProblem(checkpoint, ring)).toBeNull();
    const reread = parseCheckpoint(JSON.stringify(checkpoint, null, 2));
    expect(reread.ok).toBe(true);
    if (reread.ok) expect(checkpointSignatureProblem(reread.checkpoint, ring)).toBeNull();
    // Verifying keys count too, not only the signing one.
    expect(
      checkpointSignatureProblem(
        signCheckpoint(head, keyB, at),
        new AuditKeyring([keyA, keyB], 'x'),
      ),
    ).toBeNull();
  });

  it.each([
    ['seq', { seq: 8 }],
    ['seq back to an earlier record', { seq: 6 }],
    ['hash', { hash: 'cd'.repeat(32) }],
    ['legacyRecords', { legacyRecords: 0 }],
    ['at', { at: '2026-01-02T03:04:06.678Z' }],
  ] as const)('refuses a checkpoint whose %s was edited', (_field, change) => {
    expect(checkpointSignatureProblem({ ...signed(), ...change }, ring)).toBe(
      `${DOES_NOT_VERIFY}: the file was altered, or signed with another key`,
    );
  });

  it('refuses one whose key id was switched to another key of the ring', () => {
    expect(checkpointSignatureProblem({ ...signed(), keyId: 'b' }, ring)).toContain(
      DOES_NOT_VERIFY,
    );
  });

  it('refuses an edited signature, one digit or all of it', () => {
    const checkpoint = signed();
    const last = checkpoint.signature.at(-1) === '0' ? '1' : '0';
    const oneDigit = checkpoint.signature.slice(0, -1) + last;
    expect(checkpointSignatureProblem({ ...checkpoint, signature: oneDigit }, ring)).toContain(
      DOES_NOT_VERIFY,
    );
    expect(
      checkpointSignatureProblem({ ...checkpoint, signature: 'f'.repeat(64) }, ring),
    ).toContain(DOES_NOT_VERIFY);
  });

  it('refuses a signature of the wrong length without comparing it', () => {
    // Not a schema-valid checkpoint, but the check must not throw on it (timingSafeEqual would).
    const checkpoint = signed();
    expect(
      checkpointSignatureProblem(
        { ...checkpoint, signature: checkpoint.signature.slice(0, 62) },
        ring,
      ),
    ).toContain(DOES_NOT_VERIFY);
    expect(checkpointSignatureProblem({ ...checkpoint, signature: '' }, ring)).toContain(
      DOES_NOT_VERIFY,
    );
  });

  it('refuses one signed by a key of the same id but another secret', () => {
    const impostor: AuditKey = { id: 'a', secret: Buffer.alloc(32, 9) };
    expect(checkpointSignatureProblem(signCheckpoint(head, impostor, at), ring)).toContain(
      DOES_NOT_VERIFY,
    );
  });

  it('names a key the ring does not hold', () => {
    const checkpoint = signCheckpoint(head, keyB, at);
    expect(checkpointSignatureProblem(checkpoint, new AuditKeyring([keyA], 'a only'))).toBe(
      `the checkpoint is signed with key "b", which is ${NOT_IN_RING}`,
    );
    expect(checkpointSignatureProblem(checkpoint, new AuditKeyring([], 'empty'))).toContain(
      NOT_IN_RING,
    );
  });
});

describe('parseCheckpoint', () => {
  const text = (change: Record<string, unknown> = {}) => JSON.stringify({ ...signed(), ...change });
  const reasonOf = (input: string): string => {
    const parsed = parseCheckpoint(input);
    if (parsed.ok) throw new Error(`expected a refusal, got ${input}`);
    return parsed.reason;
  };

  it('reads a checkpoint file', () => {
    expect(parseCheckpoint(`${text()}\n`)).toEqual({ ok: true, checkpoint: signed() });
  });

  it.each(['', '{', 'seq: 7', "{'seq': 7}", `${text()} trailing`])(
    'says %j is not JSON',
    (input) => {
      expect(parseCheckpoint(input)).toEqual({ ok: false, reason: 'not JSON' });
    },
  );

  it.each(['null', '[]', '"cart-audit-checkpoint/1"', '7'])(
    'names the value itself when %s is not an object',
    (input) => {
      expect(reasonOf(input)).toMatch(/^not a cart-audit-checkpoint\/1 \(value: .+\)$/);
    },
  );

  it('names the missing field', () => {
    const { signature: _dropped, ...unsigned } = signed();
    const reason = reasonOf(JSON.stringify(unsigned));
    expect(reason).toMatch(/^not a cart-audit-checkpoint\/1 \(signature: [^;]+\)$/);
  });

  it('names every missing field of an empty object', () => {
    const reason = reasonOf('{}');
    for (const field of ['format', 'seq', 'hash', 'legacyRecords', 'at', 'keyId', 'signature'])
      expect(reason).toContain(`${field}: `);
    expect(reason.split('; ')).toHaveLength(7);
  });

  it.each([
    ['format', { format: 'cart-audit-checkpoint/2' }],
    ['format', { format: CHECKPOINT_FORMAT.toUpperCase() }],
    ['seq', { seq: '7' }],
    ['seq', { seq: 7.5 }],
    ['seq', { seq: -1 }],
    ['seq', { seq: null }],
    ['hash', { hash: 'AB'.repeat(32) }],
    ['hash', { hash: 'ab'.repeat(31) }],
    ['hash', { hash: 'ab'.repeat(33) }],
    ['hash', { hash: `x${'ab'.repeat(32)}` }],
    ['hash', { hash: 42 }],
    ['legacyRecords', { legacyRecords: -1 }],
    ['legacyRecords', { legacyRecords: '2' }],
    ['at', { at: 'yesterday' }],
    ['at', { at: 1767323045678 }],
    ['keyId', { keyId: '' }],
    ['keyId', { keyId: 1 }],
    ['signature', { signature: 'xyz' }],
    ['signature', { signature: 'ab'.repeat(33) }],
  ])('refuses a wrong %s: %j', (field, change) => {
    const reason = reasonOf(text(change));
    expect(reason.startsWith(`not a ${CHECKPOINT_FORMAT} (${field}: `)).toBe(true);
    expect(reason.endsWith(')')).toBe(true);
    // Only the one field is named.
    expect(reason).not.toContain('; ');
  });

  it('refuses a field it does not know', () => {
    expect(reasonOf(text({ comment: 'hi' }))).toContain('comment');
  });

  it('names several wrong fields at once, separated by "; "', () => {
    const reason = reasonOf(text({ seq: -1, hash: 'nope' }));
    expect(reason).toMatch(/^not a cart-audit-checkpoint\/1 \(seq: .+; hash: .+\)$/);
  });
});
