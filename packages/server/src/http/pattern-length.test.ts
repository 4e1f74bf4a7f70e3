import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { patternMaxLength } from './pattern-length.ts';

describe('patternMaxLength', () => {
  it.each([
    ['^[A-Za-z0-9_-]{1,64}$', 64],
    ['^[\\x21-\\x7E]{1,128}$', 128],
    ['^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', 64],
    ['^(100|[1-9][0-9]?)$', 3],
    ['^[1-9]\\d{0,15}$', 16],
    ['^\\/[\\x21-\\x7E]{0,199}$', 200],
    ['^(?:ab|c)?d{2}$', 4],
    ['^[\\]a]{3}$', 3],
    ['^\\u{1F600}x$', 2],
  ])('%s is at most %i characters', (pattern, max) => {
    expect(patternMaxLength(pattern)).toBe(max);
  });

  it.each([
    '^a+$',
    '^a*$',
    '^a{2,}$',
    'a{1,3}$',
    '^a{1,3}',
    '^(?=a)a$',
    '^(a)\\1$',
    '^(a$',
    '^[a$',
    '^a|b+$',
  ])('%s is unbounded or not understood', (pattern) => {
    expect(patternMaxLength(pattern)).toBeNull();
  });

  it('agrees with the longest strings the pattern accepts', () => {
    const pattern = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';
    const max = patternMaxLength(pattern) ?? 0;
    expect(new RegExp(pattern).test('a'.repeat(max))).toBe(true);
    expect(new RegExp(pattern).test('a'.repeat(max + 1))).toBe(false);
  });

  it('bounds the timestamps the API answers', () => {
    const schema = z.toJSONSchema(z.iso.datetime({ offset: false, precision: 3 })) as {
      pattern: string;
    };
    expect(patternMaxLength(schema.pattern)).toBe('2026-11-28T10:00:00.000Z'.length);
  });
});
