/**
 * The most characters a string matching an anchored pattern (`^…$`) can have, or null
 * when the pattern does not bound it (`*`, `+`, `{m,}`, a lookaround, a back-reference,
 * or anything this small reader does not know). Used to declare, as `maxLength`, a limit
 * the schemas already enforce through their patterns (http/openapi.ts).
 */
export function patternMaxLength(pattern: string): number | null {
  if (!pattern.startsWith('^') || !pattern.endsWith('$') || pattern.endsWith('\\$')) return null;
  const reader = { text: pattern.slice(1, -1), at: 0 };
  const length = alternation(reader);
  return reader.at === reader.text.length ? length : null;
}

interface Reader {
  text: string;
  at: number;
}

/** `a|b|c` up to a `)` or the end: the longest branch. */
function alternation(r: Reader): number | null {
  let longest: number | null = 0;
  for (;;) {
    const branch = sequence(r);
    longest = branch === null || longest === null ? null : Math.max(longest, branch);
    if (r.text[r.at] !== '|') return longest;
    r.at += 1;
  }
}

/** Atoms with their quantifiers, up to `|`, `)` or the end: their sum. */
function sequence(r: Reader): number | null {
  let total: number | null = 0;
  while (r.at < r.text.length && r.text[r.at] !== '|' && r.text[r.at] !== ')') {
    const one = atom(r);
    const times = quantifier(r);
    total = one === null || times === null || total === null ? null : total + one * times;
  }
  return total;
}

/** One atom: a group, a class, an escape or a character; its longest match. */
function atom(r: Reader): number | null {
  const c = r.text[r.at];
  if (c === '(') {
    r.at += 1;
    if (r.text.startsWith('?:', r.at)) r.at += 2;
    else if (r.text[r.at] === '?') return unknown(r); // lookaround or named group
    const inner = alternation(r);
    if (r.text[r.at] !== ')') return unknown(r);
    r.at += 1;
    return inner;
  }
  if (c === '[') {
    const end = classEnd(r.text, r.at);
    if (end < 0) return unknown(r);
    r.at = end + 1;
    return 1;
  }
  if (c === '\\') {
    const next = r.text[r.at + 1] ?? '';
    if (/[1-9bBk]/.test(next)) return unknown(r); // back-references and word boundaries
    if (next === 'x') r.at += 4;
    else if (next === 'u')
      r.at += r.text[r.at + 2] === '{' ? r.text.indexOf('}', r.at) + 1 - r.at : 6;
    else r.at += 2;
    return 1;
  }
  if (c === '^' || c === '$') return unknown(r);
  r.at += 1;
  return 1;
}

/** The index of the `]` that closes the class opened at `start`, or -1. */
function classEnd(text: string, start: number): number {
  let i = start + 1;
  if (text[i] === '^') i += 1;
  if (text[i] === ']') i += 1;
  for (; i < text.length; i += 1) {
    if (text[i] === '\\') i += 1;
    else if (text[i] === ']') return i;
  }
  return -1;
}

/** A quantifier after an atom: its largest count (1 when there is none), or null if unbounded. */
function quantifier(r: Reader): number | null {
  const c = r.text[r.at];
  let max: number | null = 1;
  if (c === '?') {
    r.at += 1;
  } else if (c === '*' || c === '+') {
    r.at += 1;
    max = null;
  } else if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(r.text.slice(r.at));
    if (m === null) return unknown(r);
    r.at += m[0].length;
    max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? null : Number(m[3]);
  }
  if (r.text[r.at] === '?') r.at += 1; // lazy
  return max;
}

/** Gives up on the rest of the pattern. */
function unknown(r: Reader): null {
  r.at = r.text.length + 1;
  return null;
}
