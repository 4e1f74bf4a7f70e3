import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type * as z from 'zod/mini';
import { BIDI, simpleEmailArb } from '../../test/support/arbitraries.ts';
import {
  ActionId,
  Attributes,
  Cursor,
  Email,
  Id,
  InstantInput,
  LIMITS,
  PageLimit,
  Timestamp,
  multiLineText,
  singleLineText,
} from './common.ts';

const NOTE = multiLineText(LIMITS.noteLength);
const LINE = singleLineText(10);

describe('customer text', () => {
  it('is normalized to NFC and stripped of control and bidi characters', () => {
    expect(LINE.parse('e\u0301')).toBe('é');
    expect(LINE.parse(`a${BIDI.join('')}b\u0000c`)).toBe('abc');
    expect(NOTE.parse('line 1\r\nline 2\u202E')).toBe('line 1\nline 2');
  });

  it('keeps tab and newline in the note only', () => {
    expect(NOTE.parse('a\tb\nc')).toBe('a\tb\nc');
    expect(LINE.parse('a\tb\nc')).toBe('abc');
    expect(Attributes.parse({ k: 'a\tb\nc' })).toEqual({ k: 'abc' });
    expect(Attributes.safeParse({ 'k\t1': 'v' }).success).toBe(false);
  });

  it('checks the length after normalization', () => {
    // 1000 decomposed "é" are 2000 code units in, 1000 characters once composed.
    const decomposed = 'e\u0301'.repeat(LIMITS.noteLength);
    expect(decomposed.length).toBe(2 * LIMITS.noteLength);
    expect(NOTE.parse(decomposed)).toBe('é'.repeat(LIMITS.noteLength));
    // Invisible characters do not count either: they are gone before the count.
    const padded = 'x'.repeat(LIMITS.noteLength) + '\u200B\u202E\u0000'.repeat(100);
    expect(NOTE.parse(padded)).toBe('x'.repeat(LIMITS.noteLength));
  });

  it('refuses over-long text instead of truncating it', () => {
    expect(NOTE.safeParse('x'.repeat(LIMITS.noteLength)).success).toBe(true);
    const tooLong = NOTE.safeParse('x'.repeat(LIMITS.noteLength + 1));
    expect(tooLong.success).toBe(false);
    expect(tooLong.error?.issues[0]?.message).toBe('must be at most 1000 characters');
    expect(NOTE.safeParse('\u00e9'.repeat(LIMITS.noteLength) + 'e\u0301').success).toBe(false);
    expect(LINE.safeParse('0123456789').success).toBe(true);
    expect(LINE.safeParse('0123456789a').success).toBe(false);
  });

  it('refuses anything but a string', () => {
    for (const bad of [1, null, undefined, ['a'], { note: 'a' }]) {
      expect(NOTE.safeParse(bad).success).toBe(false);
    }
  });
});

describe('Email', () => {
  it.each(['a@b.co', 'first.last+tag@shop.example.com', 'x_y-z@sub-domain.example'])(
    'accepts %s',
    (email) => {
      expect(Email.parse(email)).toBe(email);
    },
  );

  it('trims and sanitizes before checking', () => {
    expect(Email.parse('  a@b.co \n')).toBe('a@b.co');
    expect(Email.parse('a\u202Eb@c.co')).toBe('ab@c.co');
    expect(Email.parse('\uFEFFa@b.co')).toBe('a@b.co');
  });

  it.each([
    '',
    'plain',
    'a@',
    '@b.co',
    'a b@c.co',
    'a@b',
    'a..b@c.co',
    '.a@b.co',
    'a@b.c',
    'a@@b.co',
    'a@-b.co',
  ])('refuses %j', (email) => {
    expect(Email.safeParse(email).success).toBe(false);
  });

  it('is at most 254 characters', () => {
    const domain = `${'d'.repeat(60)}.${'e'.repeat(60)}.${'f'.repeat(60)}.com`; // 185
    const at254 = `${'a'.repeat(254 - 1 - domain.length)}@${domain}`;
    expect(at254).toHaveLength(254);
    expect(Email.parse(at254)).toBe(at254);
    expect(Email.safeParse(`a${at254}`).success).toBe(false);
    // the bound applies after trimming
    expect(Email.parse(`  ${at254}  `)).toBe(at254);
  });

  it('refuses non-strings', () => {
    for (const bad of [null, 1, { email: 'a@b.co' }])
      expect(Email.safeParse(bad).success).toBe(false);
  });

  it('accepts everyday addresses (property)', () => {
    fc.assert(
      fc.property(simpleEmailArb, (email) => {
        expect(Email.parse(email)).toBe(email);
      }),
    );
  });
});

describe('Attributes', () => {
  const many = (n: number) =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));

  it('holds at most 20 entries', () => {
    expect(Attributes.safeParse({}).success).toBe(true);
    expect(Attributes.safeParse(many(LIMITS.attributeCount)).success).toBe(true);
    const over = Attributes.safeParse(many(LIMITS.attributeCount + 1));
    expect(over.success).toBe(false);
    expect(over.error?.issues[0]?.message).toBe('at most 20 attributes');
  });

  it('bounds keys to 64 and values to 256 characters', () => {
    expect(Attributes.safeParse({ ['k'.repeat(64)]: 'v'.repeat(256) }).success).toBe(true);
    expect(Attributes.safeParse({ ['k'.repeat(65)]: 'v' }).success).toBe(false);
    expect(Attributes.safeParse({ k: 'v'.repeat(257) }).success).toBe(false);
    // values are measured after normalization: 256 decomposed letters are 256 characters
    expect(Attributes.parse({ ['é'.repeat(64)]: 'e\u0301'.repeat(256) })).toEqual({
      ['é'.repeat(64)]: 'é'.repeat(256),
    });
  });

  it('refuses names that are not already normalized, so no two names can become one', () => {
    // "a" and "a" + zero-width space would both be "a" once sanitized: one value would be lost.
    expect(Attributes.safeParse({ a: '1', 'a\u200B': '2' }).success).toBe(false);
    expect(Attributes.safeParse({ 'e\u0301': 'decomposed' }).success).toBe(false);
    expect(Attributes.safeParse({ é: 'composed' }).success).toBe(true);
  });

  it('refuses empty keys, also keys that are empty once sanitized', () => {
    expect(Attributes.safeParse({ '': 'v' }).success).toBe(false);
    expect(Attributes.safeParse({ '\u202E\u0000': 'v' }).success).toBe(false);
    expect(Attributes.safeParse({ k: '' }).success).toBe(true);
  });

  it('refuses non-string values and non-objects', () => {
    for (const bad of [
      { k: 1 },
      { k: null },
      { k: ['v'] },
      { k: { v: 'x' } },
      ['v'],
      'k=v',
      null,
    ]) {
      expect(Attributes.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});

describe('identifiers and timestamps', () => {
  it('Id is 1–64 URL-safe characters', () => {
    for (const ok of ['a', 'A-z_09', 'x'.repeat(64)]) expect(Id.safeParse(ok).success).toBe(true);
    for (const bad of ['', 'x'.repeat(65), 'a b', 'a/b', 'é', '../x', 1]) {
      expect(Id.safeParse(bad).success).toBe(false);
    }
  });

  it('ActionId is 1–128 visible ASCII characters', () => {
    expect(ActionId.safeParse('!~abc-123').success).toBe(true);
    expect(ActionId.safeParse('x'.repeat(128)).success).toBe(true);
    for (const bad of ['', 'x'.repeat(129), 'a b', 'a\tb', 'é']) {
      expect(ActionId.safeParse(bad).success).toBe(false);
    }
  });

  it('Timestamp is UTC with milliseconds; InstantInput takes any zone', () => {
    expect(Timestamp.safeParse('2026-11-28T10:00:00.000Z').success).toBe(true);
    for (const bad of [
      '2026-11-28T10:00:00Z',
      '2026-11-28T10:00:00.000+01:00',
      '2026-11-28',
      'yesterday',
      1764324000000,
    ]) {
      expect(Timestamp.safeParse(bad).success).toBe(false);
    }
    expect(InstantInput.safeParse('2026-11-28T10:00:00+01:00').success).toBe(true);
    expect(InstantInput.safeParse('2026-11-28T10:00:00.5Z').success).toBe(true);
    expect(InstantInput.safeParse('2026-11-28 10:00').success).toBe(false);
  });

  it('Cursor and PageLimit', () => {
    expect(Cursor.safeParse('abc_DEF-123').success).toBe(true);
    expect(Cursor.safeParse('a=b').success).toBe(false);
    expect(PageLimit.parse('1')).toBe(1);
    expect(PageLimit.parse('42')).toBe(42);
    expect(PageLimit.parse('100')).toBe(100);
    for (const bad of ['0', '101', '01', '-1', '1.5', 'ten', '', 10]) {
      expect(PageLimit.safeParse(bad).success, String(bad)).toBe(false);
    }
  });
});

describe('refusals say why in words', () => {
  /** The words of the first problem found: for a record key, the key's own. */
  const refusal = (schema: z.ZodMiniType, value: unknown) => {
    const issue = schema.safeParse(value).error?.issues[0];
    return issue?.code === 'invalid_key' ? issue.issues[0]?.message : issue?.message;
  };

  it.each([
    ['Id', Id, 'a b', 'must be 1–64 letters, digits, "_" or "-"'],
    ['ActionId', ActionId, 'a b', 'must be 1–128 visible ASCII characters'],
    ['a single-line text', singleLineText(10), 'x'.repeat(11), 'must be at most 10 characters'],
    ['Email, too long', Email, `${'x'.repeat(250)}@b.co`, 'must be at most 254 characters'],
    ['Email, not an address', Email, 'plain', 'must be an email address'],
    ['an attribute name, empty', Attributes, { '': 'v' }, 'attribute names must not be empty'],
    [
      'an attribute name, too long',
      Attributes,
      { ['k'.repeat(65)]: 'v' },
      'must be at most 64 characters',
    ],
    [
      'an attribute name, not normalized',
      Attributes,
      { 'a\u200B': 'v' },
      'attribute names must not contain control or invisible characters, and must be NFC',
    ],
    [
      'an attribute value, too long',
      Attributes,
      { k: 'v'.repeat(257) },
      'must be at most 256 characters',
    ],
    ['PageLimit', PageLimit, '101', 'must be an integer from 1 to 100'],
  ] as const)('%s', (_what, schema, value, message) => {
    expect(refusal(schema, value)).toBe(message);
  });
});
