/**
 * Every link in every Markdown file of the repository leads somewhere: a relative link
 * to a file or folder that exists, a `#anchor` to a heading (GitHub's slug rules) or an
 * explicit `<a id>` of the file it points into. External links are not fetched, only
 * checked to be well-formed URLs.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, anchors, links, markdownFiles, readRepoFile } from './markdown.ts';

const files = markdownFiles();
const anchorsOf = new Map<string, Set<string>>();
function anchorsIn(path: string): Set<string> {
  let found = anchorsOf.get(path);
  if (!found) {
    found = anchors(readRepoFile(path));
    anchorsOf.set(path, found);
  }
  return found;
}

/** What is wrong with one link of `file`, or null when it resolves. */
function problemWith(file: string, target: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
    if (!/^(https?|mailto):/i.test(target)) return 'a scheme other than http(s) or mailto';
    if (!URL.canParse(target)) return 'not a well-formed URL';
    if (/^https?:/i.test(target) && new URL(target).hostname === '') return 'no host';
    return null;
  }
  if (target.startsWith('//')) return 'a protocol-relative URL: write https://';
  const hash = target.indexOf('#');
  const pathPart = hash < 0 ? target : target.slice(0, hash);
  const anchor = hash < 0 ? null : target.slice(hash + 1);
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathPart.replace(/\?.*$/, ''));
  } catch {
    return 'a broken percent-encoding';
  }
  // `#anchor` alone points into the file itself; `/path` is from the repository's root.
  const resolved =
    decoded === ''
      ? join(REPO_ROOT, file)
      : decoded.startsWith('/')
        ? normalize(join(REPO_ROOT, decoded))
        : normalize(join(REPO_ROOT, dirname(file), decoded));
  const inRepo = relative(REPO_ROOT, resolved);
  if (inRepo.startsWith('..')) return 'points outside the repository';
  if (!existsSync(resolved)) return `${inRepo || '.'} does not exist`;
  if (anchor === null || anchor === '') return null;
  if (statSync(resolved).isDirectory()) return `#${anchor} on a folder`;
  if (!inRepo.toLowerCase().endsWith('.md')) return null; // a line anchor in code, say
  const known = anchorsIn(inRepo);
  if (known.has(decodeURIComponent(anchor))) return null;
  return `no heading or <a id> "${anchor}" in ${inRepo}`;
}

describe('links in Markdown files', () => {
  it('finds the Markdown files to check', () => {
    expect(files).toContain('README.md');
    expect(files).toContain('docs/security.md');
    expect(files.some((f) => f.includes('node_modules') || f.split('/').includes('dist'))).toBe(
      false,
    );
  });

  it.each(files)('%s: every link resolves', (file) => {
    const broken = links(readRepoFile(file))
      .map(({ target, line }) => ({ line, target, problem: problemWith(file, target) }))
      .filter((l) => l.problem !== null)
      .map((l) => `${file}:${l.line}: ${l.target} — ${l.problem}`);
    expect(broken).toEqual([]);
  });
});

describe('the docs stand alone', () => {
  // The repository is all its users have: no guide or comment may send them to a design
  // document or a folder outside it.
  it.each(files)('%s cites nothing outside the repository', (file) => {
    const outside = readRepoFile(file)
      .split('\n')
      .map((text, i) => ({ text, line: i + 1 }))
      .filter(({ text }) => /DESIGN\.md|\.\.\/shared\//.test(text))
      .map(({ line, text }) => `${file}:${line}: ${text.trim()}`);
    expect(outside).toEqual([]);
  });
});
