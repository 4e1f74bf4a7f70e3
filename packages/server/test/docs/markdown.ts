/**
 * Just enough Markdown reading for the documentation tests: the repository's Markdown
 * files, their fenced code blocks, headings (as GitHub turns them into anchors), explicit
 * anchors, links and tables, each with the line it is on.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../../../..');

/** Folders never searched for Markdown: dependencies, build output, test and run output. */
const SKIPPED_DIRS = new Set([
  'node_modules',
  'dist',
  '.git',
  'coverage',
  'data',
  'test-results',
  'test-artifacts',
  '.examples',
]);

/** Every Markdown file of the repository, as paths relative to its root, sorted. */
export function markdownFiles(dir = REPO_ROOT): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) found.push(...markdownFiles(join(dir, entry.name)));
    } else if (entry.isFile() && entry.name.toLowerCase().endsWith('.md')) {
      found.push(relative(REPO_ROOT, join(dir, entry.name)));
    }
  }
  return dir === REPO_ROOT ? found.sort() : found;
}

export function readRepoFile(path: string): string {
  return readFileSync(join(REPO_ROOT, path), 'utf8');
}

export interface CodeBlock {
  /** The info string's first word, lower-cased (`ts`, `sh`, ''), and the words after it. */
  lang: string;
  flags: string[];
  /** 1-based lines: the opening fence, the block's first line of code, the closing fence. */
  fenceLine: number;
  codeLine: number;
  closeLine: number;
  code: string;
}

const FENCE = /^( {0,3}|\s*)(`{3,}|~{3,})(.*)$/;

/** The fenced code blocks of a Markdown text, indented ones (in list items) included. */
export function codeBlocks(text: string): CodeBlock[] {
  const lines = text.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? '');
    if (!open) continue;
    const indent = open[1]?.length ?? 0;
    const fence = open[2] ?? '```';
    const info = (open[3] ?? '').trim();
    if (fence.startsWith('`') && info.includes('`')) continue; // an inline code span
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j] ?? '';
      const close = /^\s*(`{3,}|~{3,})\s*$/.exec(line);
      if (close && close[1]?.[0] === fence[0] && (close[1]?.length ?? 0) >= fence.length) break;
      // Strip up to the opening fence's indentation, as CommonMark does.
      body.push(line.replace(new RegExp(`^ {0,${indent}}`), ''));
    }
    const [lang = '', ...flags] = info.split(/\s+/).filter(Boolean);
    blocks.push({
      lang: lang.toLowerCase(),
      flags,
      fenceLine: i + 1,
      codeLine: i + 2,
      closeLine: j + 1,
      code: body.join('\n'),
    });
    i = j;
  }
  return blocks;
}

/**
 * The text with every fenced code block's lines blanked (line numbers kept), so that
 * what looks like a heading or a link inside code is not taken for one.
 */
export function withoutCodeBlocks(text: string): string {
  const lines = text.split('\n');
  for (const block of codeBlocks(text))
    for (let n = block.fenceLine - 1; n < Math.min(block.closeLine, lines.length); n++)
      lines[n] = '';
  return lines.join('\n');
}

/** Inline code spans blanked out (same length), so that links shown as code are skipped. */
function withoutCodeSpans(line: string): string {
  return line.replace(/(`+)(.+?)\1/g, (span) => ' '.repeat(span.length));
}

/**
 * The anchor GitHub gives a heading: the rendered text, lower-cased, with everything but
 * letters, digits, spaces, hyphens and underscores removed, and spaces made hyphens.
 */
export function githubSlug(heading: string): string {
  const codeSpans: string[] = [];
  const rendered = heading
    // Code spans first: their content is literal (no emphasis, no tags inside).
    .replace(/`([^`]*)`/g, (_span, content: string) => `\uE000${codeSpans.push(content) - 1}\uE000`)
    .replace(/<[^>]+>/g, '') // HTML tags
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/(\*\*|\*|~~)(?=\S)(.*?\S)\1/g, '$2') // emphasis with * or ~
    // Emphasis with _ only at word boundaries: CSRF_TOKEN_INVALID keeps its underscores.
    .replace(/(^|[^\p{L}\p{N}_])(__|_)(?=\S)(.*?\S)\2(?![\p{L}\p{N}_])/gu, '$1$3')
    .replace(/\uE000(\d+)\uE000/g, (_m, i: string) => codeSpans[Number(i)] ?? '');
  return rendered
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a Markdown text defines: its headings' slugs (de-duplicated as GitHub does) and `<a id>`/`name`. */
export function anchors(text: string): Set<string> {
  const found = new Set<string>();
  const counts = new Map<string, number>();
  const lines = withoutCodeBlocks(text).split('\n');
  lines.forEach((line, n) => {
    let heading: string | undefined = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line)?.[1];
    const next = lines[n + 1] ?? '';
    if (heading === undefined && line.trim() !== '' && /^ {0,3}(=+|-+)\s*$/.test(next)) {
      // A setext heading (the line under it is === or ---), unless it is a table or list.
      if (!/^\s*([-*+]|\d+\.|\|)/.test(line) && !/^ {0,3}-+\s*$/.test(line)) heading = line;
    }
    if (heading !== undefined) {
      const slug = githubSlug(heading);
      const seen = counts.get(slug) ?? 0;
      counts.set(slug, seen + 1);
      found.add(seen === 0 ? slug : `${slug}-${seen}`);
    }
    for (const m of line.matchAll(/<a\s[^>]*\b(?:id|name)\s*=\s*["']([^"']+)["']/gi))
      if (m[1] !== undefined) found.add(m[1]);
  });
  return found;
}

export interface Link {
  target: string;
  line: number;
}

/**
 * The links of a Markdown text, outside code: inline links and images `[text](target)`,
 * reference definitions `[label]: target`, and autolinks `<https://…>`.
 */
export function links(text: string): Link[] {
  const found: Link[] = [];
  withoutCodeBlocks(text)
    .split('\n')
    .forEach((raw, n) => {
      const line = withoutCodeSpans(raw);
      const add = (target: string | undefined) => {
        if (target !== undefined) found.push({ target, line: n + 1 });
      };
      for (const m of line.matchAll(/\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+["'(][^)]*)?\)/g))
        add(m[1]?.replace(/^<(.*)>$/, '$1'));
      const definition = /^ {0,3}\[[^\]]+\]:\s*(\S+)/.exec(line);
      if (definition) add(definition[1]);
      for (const m of line.matchAll(/<((?:https?|mailto):[^>\s]+)>/g)) add(m[1]);
    });
  return found;
}

export interface Table {
  /** 1-based line of the header row. */
  line: number;
  header: string[];
  rows: { line: number; cells: string[] }[];
}

function cellsOf(row: string): string[] {
  const trimmed = row.trim().replace(/^\|/, '').replace(/\|$/, '');
  // Split on pipes that are not escaped and not inside a code span.
  const cells: string[] = [];
  let cell = '';
  let inCode = false;
  for (let i = 0; i < trimmed.length; i++) {
    const c = trimmed[i];
    if (c === '\\' && trimmed[i + 1] === '|') {
      cell += '|';
      i++;
    } else if (c === '`') {
      inCode = !inCode;
      cell += c;
    } else if (c === '|' && !inCode) {
      cells.push(cell.trim());
      cell = '';
    } else cell += c;
  }
  cells.push(cell.trim());
  return cells;
}

/** The pipe tables of a Markdown text (outside code blocks). */
export function tables(text: string): Table[] {
  const lines = withoutCodeBlocks(text).split('\n');
  const found: Table[] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    const header = lines[i] ?? '';
    if (!header.trim().startsWith('|') || !/^\s*\|?\s*:?-{3,}/.test(lines[i + 1] ?? '')) continue;
    const table: Table = { line: i + 1, header: cellsOf(header), rows: [] };
    let j = i + 2;
    for (; j < lines.length && (lines[j] ?? '').trim().startsWith('|'); j++)
      table.rows.push({ line: j + 1, cells: cellsOf(lines[j] ?? '') });
    found.push(table);
    i = j;
  }
  return found;
}

/**
 * The part of a Markdown text under the heading `title` (any level), up to the next
 * heading of the same or a higher level, with the line its first line is on.
 */
export function section(text: string, title: string): { text: string; line: number } {
  const lines = text.split('\n');
  const plain = withoutCodeBlocks(text).split('\n');
  const start = plain.findIndex((l) => /^#{1,6}\s/.test(l) && l.replace(/^#+\s+/, '') === title);
  if (start < 0) throw new Error(`no heading "${title}"`);
  const level = /^#+/.exec(plain[start] ?? '')?.[0].length ?? 1;
  let end = start + 1;
  while (end < lines.length) {
    const m = /^(#{1,6})\s/.exec(plain[end] ?? '');
    if (m && (m[1]?.length ?? 7) <= level) break;
    end++;
  }
  return { text: lines.slice(start, end).join('\n'), line: start + 1 };
}
