/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4), for tests:
 * it throws on anything Prometheus would refuse or that breaks the format's rules —
 * bad names, bad escapes, duplicate HELP/TYPE or series, samples before their TYPE or
 * interleaved with another family, histograms whose buckets are not cumulative or do not
 * end in `le="+Inf"` equal to `_count`.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The sample's own name (`x_bucket`, `x_sum`, … for histograms). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: MetricType;
  help: string | null;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

// Prometheus reads values with Go's strconv.ParseFloat, which takes NaN and Inf in any
// case (prom-client writes NaN as "Nan").
function parseValue(text: string, where: string): number {
  if (/^\+?inf(inity)?$/i.test(text)) return Infinity;
  if (/^-inf(inity)?$/i.test(text)) return -Infinity;
  if (/^nan$/i.test(text)) return NaN;
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(text))
    throw new Error(`${where}: "${text}" is not a sample value`);
  return Number(text);
}

function unescapeHelp(text: string, where: string): string {
  return text.replace(/\\(.?)/g, (_m, c: string) => {
    if (c === '\\') return '\\';
    if (c === 'n') return '\n';
    throw new Error(`${where}: bad escape "\\${c}" in HELP`);
  });
}

/** Parses `{a="b",c="d"}` starting at `text[0] === '{'`; returns the labels and the rest. */
function parseLabels(
  text: string,
  where: string,
): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let i = 1;
  for (;;) {
    if (text[i] === '}') return { labels, rest: text.slice(i + 1) };
    const name = /^[^=]*/.exec(text.slice(i))?.[0] ?? '';
    if (!LABEL_NAME.test(name)) throw new Error(`${where}: bad label name "${name}"`);
    if (name.startsWith('__')) throw new Error(`${where}: reserved label name "${name}"`);
    if (Object.hasOwn(labels, name)) throw new Error(`${where}: label "${name}" twice`);
    i += name.length;
    if (text.slice(i, i + 2) !== '="') throw new Error(`${where}: expected =" after ${name}`);
    i += 2;
    let value = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) throw new Error(`${where}: unterminated label value`);
      if (c === '"') break;
      if (c === '\\') {
        const next = text[i + 1];
        if (next === '\\') value += '\\';
        else if (next === '"') value += '"';
        else if (next === 'n') value += '\n';
        else throw new Error(`${where}: bad escape "\\${next ?? ''}" in a label value`);
        i += 2;
      } else {
        value += c;
        i += 1;
      }
    }
    labels[name] = value;
    i += 1;
    if (text[i] === ',') i += 1;
    else if (text[i] !== '}') throw new Error(`${where}: expected , or } after a label`);
  }
}

/** The family a sample belongs to, given the TYPE lines seen so far. */
function familyOf(name: string, families: Map<string, Family>): Family | undefined {
  const own = families.get(name);
  if (own) return own;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const base = families.get(name.slice(0, -suffix.length));
    if (!base) continue;
    if (base.type === 'histogram' || (base.type === 'summary' && suffix !== '_bucket')) return base;
  }
  return undefined;
}

const seriesKey = (name: string, labels: Record<string, string>) =>
  `${name}{${Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',')}}`;

function checkHistogram(family: Family): void {
  const groups = new Map<string, { buckets: { le: number; value: number }[]; count?: number }>();
  const group = (labels: Record<string, string>) => {
    const { le: _le, ...rest } = labels;
    const key = seriesKey('', rest);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { buckets: [] }));
    return g;
  };
  for (const s of family.samples) {
    if (s.name === `${family.name}_bucket`) {
      const le = s.labels.le;
      if (le === undefined) throw new Error(`${family.name}: a bucket without le`);
      group(s.labels).buckets.push({ le: parseValue(le, family.name), value: s.value });
    } else if (s.name === `${family.name}_count`) {
      group(s.labels).count = s.value;
    } else if (s.name !== `${family.name}_sum`) {
      throw new Error(`${family.name}: unexpected sample ${s.name} in a histogram`);
    }
  }
  for (const [key, g] of groups) {
    const where = `${family.name}${key}`;
    for (let i = 1; i < g.buckets.length; i++) {
      const [a, b] = [g.buckets[i - 1], g.buckets[i]];
      if (!a || !b || !(b.le > a.le))
        throw new Error(`${where}: buckets not in ascending le order`);
      if (b.value < a.value) throw new Error(`${where}: bucket counts are not cumulative`);
    }
    const last = g.buckets.at(-1);
    if (last?.le !== Infinity) throw new Error(`${where}: no le="+Inf" bucket`);
    if (g.count !== last.value)
      throw new Error(`${where}: _count ${g.count} ≠ +Inf bucket ${last.value}`);
  }
}

/** Parses an exposition; throws with the line number on the first violation. */
export function parsePrometheus(text: string): Exposition {
  if (text !== '' && !text.endsWith('\n'))
    throw new Error('the exposition must end with a newline');
  const families = new Map<string, Family>();
  const helps = new Map<string, string>();
  const finished = new Set<string>();
  const series = new Set<string>();
  let current: Family | null = null;
  const lines = text.split('\n');
  lines.pop();
  lines.forEach((line, index) => {
    const where = `line ${index + 1}`;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
      if (!m) return; // another comment
      const [, keyword, name = '', rest = ''] = m;
      if (!METRIC_NAME.test(name)) throw new Error(`${where}: bad metric name "${name}"`);
      if (keyword === 'HELP') {
        if (helps.has(name)) throw new Error(`${where}: HELP for ${name} twice`);
        helps.set(name, unescapeHelp(rest, where));
        const family = families.get(name);
        if (family) family.help = helps.get(name) ?? null;
        return;
      }
      if (!TYPES.has(rest as MetricType)) throw new Error(`${where}: bad TYPE "${rest}"`);
      if (families.has(name)) throw new Error(`${where}: TYPE for ${name} twice`);
      if (current) finished.add(current.name);
      current = { name, type: rest as MetricType, help: helps.get(name) ?? null, samples: [] };
      families.set(name, current);
      return;
    }
    const name = /^[^\s{]+/.exec(line)?.[0] ?? '';
    if (!METRIC_NAME.test(name)) throw new Error(`${where}: bad metric name "${name}"`);
    let rest = line.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith('{')) ({ labels, rest } = parseLabels(rest, where));
    const parts = rest.trim().split(/\s+/);
    if (!rest.startsWith(' ') || parts.length < 1 || parts.length > 2)
      throw new Error(`${where}: expected " value [timestamp]"`);
    const value = parseValue(parts[0] ?? '', where);
    if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1]))
      throw new Error(`${where}: bad timestamp "${parts[1]}"`);
    const family = familyOf(name, families);
    if (!family) throw new Error(`${where}: sample ${name} has no TYPE before it`);
    if (family !== current || finished.has(family.name))
      throw new Error(`${where}: sample ${name} is not with the rest of its family`);
    const key = seriesKey(name, labels);
    if (series.has(key)) throw new Error(`${where}: series ${key} twice`);
    series.add(key);
    if (family.type === 'counter' && !(value >= 0)) throw new Error(`${where}: negative counter`);
    family.samples.push({ name, labels, value });
  });
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return new Exposition(families);
}

/** A parsed exposition, with lookups by exact label set. */
export class Exposition {
  constructor(readonly families: Map<string, Family>) {}

  family(name: string): Family | undefined {
    return this.families.get(name);
  }

  /** The value of the sample with exactly these labels; 0 when there is none (not yet counted). */
  value(name: string, labels: Record<string, string> = {}): number {
    const key = seriesKey(name, labels);
    for (const family of this.families.values())
      for (const s of family.samples) if (seriesKey(s.name, s.labels) === key) return s.value;
    return 0;
  }

  /** Every sample of this name, whatever its labels. */
  samples(name: string): Sample[] {
    return [...this.families.values()].flatMap((f) => f.samples.filter((s) => s.name === name));
  }
}
