import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { BIDI, trickyText } from '../../test/support/arbitraries.ts';
import { sanitizeText } from './sanitize.ts';

const hasCc = (s: string) => [...s].some((c) => /\p{Cc}/u.test(c));

describe('sanitizeText', () => {
  it('normalizes to NFC', () => {
    expect(sanitizeText('e\u0301')).toBe('é');
    expect(sanitizeText('A\u030A')).toBe('Å');
    expect(sanitizeText('\u212B')).toBe('Å'); // ANGSTROM SIGN → its canonical equivalent
    expect(sanitizeText('\u1100\u1161')).toBe('가');
  });

  it('removes control characters and bidi controls', () => {
    expect(sanitizeText('a\u0000b\u0007c\u001Bd\u007Fe\u0085f\u009Fg')).toBe('abcdefg');
    expect(sanitizeText(`x${BIDI.join('')}y`)).toBe('xy');
    expect(sanitizeText('evil\u202Etxt.exe')).toBe('eviltxt.exe');
    expect(sanitizeText('a\u200Bb\u200Ec\u200Fd\u061Ce\uFEFFf')).toBe('abcdef');
  });

  it('keeps tab and newline only when multi-line', () => {
    expect(sanitizeText('a\tb\nc')).toBe('abc');
    expect(sanitizeText('a\tb\nc', { multiline: true })).toBe('a\tb\nc');
    expect(sanitizeText('a\r\nb\rc', { multiline: true })).toBe('a\nb\nc');
    expect(sanitizeText('a\r\nb\rc')).toBe('abc');
    expect(sanitizeText('a\u000Bb\u000Cc', { multiline: true })).toBe('abc');
  });

  it('keeps ordinary text, spacing and emoji as they are', () => {
    for (const s of ['', 'Hello, world', '  spaced  ', 'Grüße 😀 日本語', 'a\u2028b']) {
      expect(sanitizeText(s)).toBe(s);
    }
  });

  it('normalizes after stripping, so a removed character cannot leave a decomposed pair', () => {
    // "e", ZERO WIDTH SPACE, COMBINING ACUTE: the space keeps NFC from composing until
    // it is gone, so stripping must come first.
    expect(sanitizeText('e\u200B\u0301')).toBe('é');
    expect(sanitizeText('e\u0000\u0301')).toBe('é');
    expect(sanitizeText('e\u202E\u0301', { multiline: true })).toBe('é');
    expect(sanitizeText('A\r\u030A')).toBe('Å');
  });

  it('gives NFC text free of Cc and bidi characters, idempotently (property)', () => {
    fc.assert(
      fc.property(trickyText, fc.boolean(), (input, multiline) => {
        const out = sanitizeText(input, { multiline });
        expect(out).toBe(out.normalize('NFC'));
        expect(sanitizeText(out, { multiline })).toBe(out);
        for (const b of BIDI) expect(out.includes(b)).toBe(false);
        expect(out.includes('\r')).toBe(false);
        const stripped = multiline ? out.replace(/[\t\n]/g, '') : out;
        expect(hasCc(stripped)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});

describe('lone surrogates', () => {
  it('removes a surrogate half without its partner and keeps real pairs', () => {
    expect(sanitizeText('a\uD800b')).toBe('ab');
    expect(sanitizeText('a\uDC00b')).toBe('ab');
    expect(sanitizeText('\uDC00\uD800')).toBe('');
    expect(sanitizeText('smile \uD83D\uDE00')).toBe('smile \uD83D\uDE00');
  });
});
