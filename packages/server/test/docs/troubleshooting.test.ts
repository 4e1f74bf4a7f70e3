/**
 * docs/troubleshooting.md against the code it describes: every alert rule (the server's
 * own defaults, and ops/prometheus/cart-alerts.yml) has a runbook section there, and any
 * runbook link a rule carries points at that section; every error code the guide names
 * is in the catalog, with the status the guide gives it; every link into the docs lands
 * on an anchor that exists.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ERROR_CATALOG, ERROR_CODES, type ErrorCode } from '@cart/core';
import { AlertRulesConfig, buildRules } from '../../src/alerts/rules.ts';
import { ConfigSchema } from '../../src/config.ts';

const ROOT = resolve(import.meta.dirname, '..', '..', '..', '..');
const DOCS = join(ROOT, 'docs');
const GUIDE_PATH = join(DOCS, 'troubleshooting.md');
const GUIDE = readFileSync(GUIDE_PATH, 'utf8');

/** Identifiers in the guide's backticks that look like codes but are neither codes nor settings. */
const NOT_ERROR_CODES = new Set(['SQLITE_BUSY', 'NODE_MODULE_VERSION', 'BUSY_TIMEOUT_MS']);

interface PromRule {
  alert?: string;
  record?: string;
  annotations?: Record<string, string>;
}
interface RuleFile {
  groups: { name: string; rules: PromRule[] }[];
}

/** Markdown without its fenced code blocks (a `# comment` in a shell block is no heading). */
const withoutFences = (markdown: string) =>
  markdown.replace(/^( *)(```|~~~)[^\n]*\n[\s\S]*?^\1\2[ \t]*$/gm, '');

/** A heading's text as shown: no backticks, no link targets, no inline HTML. */
const headingText = (raw: string) =>
  raw
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/`/g, '')
    .trim();

/** GitHub's anchor for a heading: lower case, punctuation dropped (not `-` or `_`), spaces to `-`. */
function slug(text: string): string {
  return headingText(text)
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

/** The headings of a Markdown text, in order, as shown. */
function headings(markdown: string): string[] {
  return [...withoutFences(markdown).matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)].map((m) =>
    headingText(m[1] ?? ''),
  );
}

/** Every anchor a Markdown file offers: its headings' (duplicates numbered) and `<a id>`s. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const text of headings(markdown)) {
    const base = slug(text);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(m[1] ?? '');
  return anchors;
}

const GUIDE_ANCHORS = anchorsOf(GUIDE);

/** The alert names the server evaluates with its default settings. */
const SERVER_RULES = buildRules(AlertRulesConfig.parse({}));

const PROMETHEUS_RULES = (
  parse(readFileSync(join(ROOT, 'ops', 'prometheus', 'cart-alerts.yml'), 'utf8')) as RuleFile
).groups
  .flatMap((g) => g.rules)
  .filter((r): r is PromRule & { alert: string } => typeof r.alert === 'string');

/** Runbook links a rule carries: string fields or annotations whose name says runbook. */
function runbookLinks(fields: Record<string, unknown> | undefined): string[] {
  return Object.entries(fields ?? {})
    .filter(([key, value]) => /runbook/i.test(key) && typeof value === 'string')
    .map(([, value]) => value as string);
}

const codeAnchor = (code: string) => code.toLowerCase().replaceAll('_', '-');
const isCode = (text: string): text is ErrorCode => (ERROR_CODES as string[]).includes(text);

describe('docs/troubleshooting.md', () => {
  it('has a runbook section for every alert rule the server evaluates by default', () => {
    expect(SERVER_RULES.length).toBeGreaterThan(0);
    const titles = new Set(headings(GUIDE));
    for (const rule of SERVER_RULES) {
      expect(titles.has(rule.name), `no heading "### ${rule.name}" in ${GUIDE_PATH}`).toBe(true);
      expect(GUIDE_ANCHORS.has(slug(rule.name)), `no anchor #${slug(rule.name)}`).toBe(true);
    }
  });

  it('has a runbook section for every alert in ops/prometheus/cart-alerts.yml', () => {
    expect(PROMETHEUS_RULES.length).toBeGreaterThan(0);
    const titles = new Set(headings(GUIDE));
    for (const rule of PROMETHEUS_RULES) {
      expect(titles.has(rule.alert), `no heading "### ${rule.alert}" in ${GUIDE_PATH}`).toBe(true);
      expect(GUIDE_ANCHORS.has(slug(rule.alert)), `no anchor #${slug(rule.alert)}`).toBe(true);
    }
  });

  it('finds that every runbook link a rule carries points at its own section', () => {
    const links = [
      ...SERVER_RULES.map((rule) => ({
        name: rule.name,
        urls: runbookLinks(rule as unknown as Record<string, unknown>),
      })),
      ...PROMETHEUS_RULES.map((rule) => ({
        name: rule.alert,
        urls: runbookLinks(rule.annotations),
      })),
    ];
    for (const { name, urls } of links)
      for (const url of urls) {
        const anchor = /(?:^|\/)troubleshooting\.md#([^#?/\s]+)$/.exec(url)?.[1];
        expect(anchor, `${name}: runbook ${url} is not a link into docs/troubleshooting.md`).toBe(
          slug(name),
        );
        expect(GUIDE_ANCHORS.has(anchor ?? ''), `${name}: #${anchor} does not exist`).toBe(true);
      }
  });

  it('names only error codes of the catalog, with their status', () => {
    const settings = new Set(Object.keys(ConfigSchema.shape));
    const named = new Set<string>();
    // `CODE` in backticks, unless it is a setting or one of the few other identifiers.
    for (const m of GUIDE.matchAll(/`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`/g)) {
      const token = m[1] ?? '';
      if (!settings.has(token) && !NOT_ERROR_CODES.has(token)) named.add(token);
    }
    // `code: "CODE"` and `"code":"CODE"`, as in problem documents and log lines.
    for (const m of GUIDE.matchAll(/"?code"?:\s?"([A-Z][A-Z0-9_]*)"/g)) named.add(m[1] ?? '');
    // `{code="CODE"}` and `{code=~"A|B"}` in PromQL.
    for (const m of GUIDE.matchAll(/\bcode=~?"([A-Z0-9_|]+)"/g))
      for (const code of (m[1] ?? '').split('|')) named.add(code);
    for (const code of named)
      expect(
        isCode(code),
        `${code} is not in ERROR_CODES (a setting? add it to NOT_ERROR_CODES)`,
      ).toBe(true);

    // "409 OUT_OF_STOCK": the status is the catalog's.
    const pairs = [...GUIDE.matchAll(/\b([1-5]\d\d) `?([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)\b/g)];
    expect(pairs.length).toBeGreaterThan(0);
    for (const [text, status, code = ''] of pairs) {
      expect(isCode(code), `"${text}": ${code} is not in ERROR_CODES`).toBe(true);
      if (isCode(code)) expect(ERROR_CATALOG[code].status, `"${text}"`).toBe(Number(status));
    }
  });

  it('links each error code to its entry in docs/errors.md', () => {
    const links = [...GUIDE.matchAll(/\[([^\]]*)\]\(errors\.md#([^)\s]+)\)/g)];
    expect(links.length).toBeGreaterThan(0);
    const anchors = new Map(ERROR_CODES.map((code) => [codeAnchor(code), code]));
    for (const [link, text = '', anchor = ''] of links) {
      expect(anchors.has(anchor), `${link}: no code has the anchor #${anchor}`).toBe(true);
      const shown = /^`([A-Z_]+)`$/.exec(text)?.[1];
      if (shown !== undefined) expect(codeAnchor(shown), link).toBe(anchor);
    }
  });

  it('links only to anchors and documents that exist', () => {
    const links = [...withoutFences(GUIDE).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? '');
    const cache = new Map<string, Set<string>>([[GUIDE_PATH, GUIDE_ANCHORS]]);
    for (const link of links) {
      if (/^[a-z]+:/i.test(link)) continue; // https:, mailto:
      const [file = '', anchor] = link.split('#');
      const path = file === '' ? GUIDE_PATH : resolve(dirname(GUIDE_PATH), file);
      expect(path.startsWith(ROOT), `${link} leaves the repository`).toBe(true);
      expect(existsSync(path), `${link}: ${path} does not exist`).toBe(true);
      if (anchor === undefined || !path.endsWith('.md')) continue;
      let anchors = cache.get(path);
      if (!anchors) {
        anchors = anchorsOf(readFileSync(path, 'utf8'));
        cache.set(path, anchors);
      }
      expect(anchors.has(anchor), `${link}: no anchor #${anchor} in ${file || 'the guide'}`).toBe(
        true,
      );
    }
  });
});
