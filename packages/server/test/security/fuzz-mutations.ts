/**
 * How the fuzzer spoils a body the way a careless or hostile client would: free text
 * full of invisible, control, combining and broken characters; fields dropped, added
 * (server-owned ones among them) or given values of the wrong type or at the edges
 * (-1, 0, 1e21, "NaN", huge strings); and JSON text cut short, padded with garbage,
 * nested ten thousand deep or carrying `__proto__`.
 */
import fc from 'fast-check';
import { BIDI, INVISIBLE, SERVER_OWNED_FIELDS, SQL_INJECTIONS } from './payloads.ts';

const weirdChar = fc.oneof(
  { arbitrary: fc.constantFrom(...'abcXYZ019 -_.@\'"<>&;'), weight: 8 },
  {
    arbitrary: fc.constantFrom(...BIDI, ...INVISIBLE, '\u0000', '\u0085', '\t', '\n', '\r'),
    weight: 2,
  },
  {
    arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
    weight: 1,
  },
  {
    arbitrary: fc.constantFrom(
      'é',
      'e\u0301',
      '\u0958',
      '👩\u200D💻',
      '東',
      '\uFFFF',
      '\u{10FFFF}',
    ),
    weight: 2,
  },
);
/** Free text: mostly plain, with invisible, control, combining and broken characters. */
export const fuzzText = fc.string({ unit: weirdChar, maxLength: 40 });

/** Values of the wrong type or at the edges: what a field gets instead of its value. */
const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    -1,
    0,
    1,
    -0,
    0.5,
    1.5,
    999,
    1000,
    10_000,
    10_001,
    1_000_000,
    1_000_001,
    1e21,
    -1e308,
    2 ** 53,
    2 ** 53 + 2,
    Number.MAX_SAFE_INTEGER,
  ),
  fc.constantFrom(
    'NaN',
    'Infinity',
    '-Infinity',
    '1e21',
    '0x10',
    '1',
    '2',
    '',
    ' ',
    'null',
    'true',
    'USD',
  ),
  fc.constantFrom(null, true, false, [], {}, [1, 2], { amount: 1, currency: 'USD' }),
  fc.constantFrom(255, 256, 1000, 1001, 5000, 70_000).map((n) => 'x'.repeat(n)),
  fc.constantFrom(...SQL_INJECTIONS),
  fuzzText,
  fc.jsonValue({ maxDepth: 3 }),
);

const EXTRA_KEYS = [
  ...Object.keys(SERVER_OWNED_FIELDS),
  'id',
  'timesUsed',
  'type',
  'actionId',
  'extra',
  'total',
  'subtotal',
  'cartId',
];

type TextMutation =
  | 'truncate'
  | 'garbage'
  | 'proto'
  | 'constructor'
  | 'escapedProto'
  | 'nested'
  | 'empty'
  | 'form'
  | 'bom'
  | 'duplicate';

/** How a body is spoiled before it is sent; 'none' sends it as generated. */
export type Mutation =
  | { kind: 'none' }
  | { kind: 'drop'; at: number }
  | { kind: 'add'; at: number; key: string; value: unknown }
  | { kind: 'replace'; at: number; value: unknown }
  | { kind: 'whole'; value: unknown }
  | { kind: 'text'; how: TextMutation; at: number };

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: fc.constant({ kind: 'none' as const }), weight: 65 },
  { arbitrary: fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }), weight: 8 },
  {
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      at: fc.nat(),
      key: fc.oneof(fc.constantFrom(...EXTRA_KEYS), fc.string({ maxLength: 12 })),
      value: weirdValue,
    }),
    weight: 12,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('replace' as const),
      at: fc.nat(),
      value: weirdValue,
    }),
    weight: 15,
  },
  { arbitrary: fc.record({ kind: fc.constant('whole' as const), value: weirdValue }), weight: 5 },
  {
    arbitrary: fc.record({
      kind: fc.constant('text' as const),
      how: fc.constantFrom<TextMutation>(
        'truncate',
        'garbage',
        'proto',
        'constructor',
        'escapedProto',
        'nested',
        'empty',
        'form',
        'bom',
        'duplicate',
      ),
      at: fc.nat(),
    }),
    weight: 15,
  },
);

/** Every (container, key) of a JSON value, depth first. */
function slots(value: unknown): [Record<string, unknown> | unknown[], string | number][] {
  const out: [Record<string, unknown> | unknown[], string | number][] = [];
  const walk = (v: unknown) => {
    if (typeof v !== 'object' || v === null) return;
    const entries: [string | number, unknown][] = Array.isArray(v)
      ? v.map((item, i) => [i, item])
      : Object.entries(v);
    for (const [key, item] of entries) {
      out.push([v as Record<string, unknown>, key]);
      walk(item);
    }
  };
  walk(value);
  return out;
}

function objects(value: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const walk = (v: unknown) => {
    if (typeof v !== 'object' || v === null) return;
    if (!Array.isArray(v)) out.push(v as Record<string, unknown>);
    for (const item of Object.values(v)) walk(item);
  };
  walk(value);
  return out;
}

/** The text of a body after its mutation (the value is a fresh copy: it is changed in place). */
export function mutate(value: unknown, m: Mutation): string {
  switch (m.kind) {
    case 'none':
      return JSON.stringify(value);
    case 'drop': {
      const all = slots(value);
      const slot = all[m.at % Math.max(1, all.length)];
      if (slot) {
        const [parent, key] = slot;
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key];
      }
      return JSON.stringify(value);
    }
    case 'add': {
      const all = objects(value);
      const target = all[m.at % Math.max(1, all.length)];
      if (target)
        Object.defineProperty(target, m.key, {
          value: m.value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      return JSON.stringify(value);
    }
    case 'replace': {
      const all = slots(value);
      const slot = all[m.at % Math.max(1, all.length)];
      if (!slot) return JSON.stringify(m.value);
      const [parent, key] = slot;
      (parent as Record<string, unknown>)[key] = m.value;
      return JSON.stringify(value);
    }
    case 'whole':
      return JSON.stringify(m.value) ?? 'null';
    case 'text':
      return spoilText(JSON.stringify(value) ?? 'null', m.how, m.at);
  }
}

function spoilText(text: string, how: TextMutation, at: number): string {
  const open = text.indexOf('{');
  const intoObject = (member: string) =>
    open === -1
      ? `{${member}}`
      : `${text.slice(0, open + 1)}${member}${text[open + 1] === '}' ? '' : ','}${text.slice(open + 1)}`;
  switch (how) {
    case 'truncate':
      return text.slice(0, at % Math.max(1, text.length));
    case 'garbage':
      return `${text}${['x', '}', ']', ',', '\u0000', ' //', '{}'][at % 7] ?? ''}`;
    case 'proto':
      return intoObject('"__proto__":{"polluted":"yes"}');
    case 'constructor':
      return intoObject('"constructor":{"prototype":{"polluted":"yes"}}');
    case 'escapedProto':
      return intoObject('"\\u005f_proto__":{"polluted":"yes"}');
    case 'nested':
      return '['.repeat(10_000 + (at % 5000)) + ']'.repeat(at % 2 === 0 ? 10_000 + (at % 5000) : 0);
    case 'empty':
      return '';
    case 'form':
      return 'productId=x&quantity=1';
    case 'bom':
      return `\uFEFF${text}`;
    case 'duplicate':
      return text.endsWith('}')
        ? `${text.slice(0, -1)}${text.length > 2 ? ',' : ''}"quantity":"2"}`
        : text;
  }
}
