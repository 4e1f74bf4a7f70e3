/**
 * Every ```ts and ```tsx block in the repository's Markdown is type-checked, as a module
 * of its own, with the repository's strict settings (tsconfig.base.json), so that an
 * example cannot drift from the API it shows. The blocks are compiled in memory, at
 * paths inside the repository (nothing is written): `@cart/client`, `@cart/core` and
 * `@cart/react` resolve as workspace packages, as they do for a reader's code.
 *
 * A block must be complete: its imports, and `declare` lines for what the page around it
 * stands for (`declare function render(…): void`). A block whose info string says
 * `not-checked` (```ts not-checked) is skipped: keep that for fragments that cannot be
 * made whole.
 */
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, codeBlocks, markdownFiles, readRepoFile } from './markdown.ts';

const LANGS = new Map([
  ['ts', '.ts'],
  ['typescript', '.ts'],
  ['tsx', '.tsx'],
]);
export const OPT_OUT = 'not-checked';

interface Example {
  /** README.md:37, the line of the opening fence. */
  where: string;
  /** The first line of code in the Markdown file, to map diagnostics back. */
  codeLine: number;
  mdFile: string;
  fileName: string;
  text: string;
}

function collectExamples(): { examples: Example[]; skipped: string[] } {
  const examples: Example[] = [];
  const skipped: string[] = [];
  for (const mdFile of markdownFiles()) {
    for (const block of codeBlocks(readRepoFile(mdFile))) {
      const ext = LANGS.get(block.lang);
      if (ext === undefined) continue;
      const where = `${mdFile}:${block.fenceLine}`;
      if (block.flags.includes(OPT_OUT)) {
        skipped.push(where);
        continue;
      }
      // Next to the Markdown file, so that relative imports and packages resolve from
      // there; `.doc-example` keeps the name clear of any real file.
      const name = `${mdFile.replace(/[^A-Za-z0-9]+/g, '-')}-${block.fenceLine}.doc-example${ext}`;
      examples.push({
        where,
        codeLine: block.codeLine,
        mdFile,
        fileName: join(REPO_ROOT, mdFile, '..', name),
        // `export {}` makes every block a module: top-level await, and no names shared.
        text: `${block.code}\nexport {};\n`,
      });
    }
  }
  return { examples, skipped };
}

/** tsconfig.base.json, as the packages use it, plus JSX (react-jsx) and Node's types. */
function compilerOptions(): ts.CompilerOptions {
  const path = join(REPO_ROOT, 'tsconfig.base.json');
  const read = ts.readConfigFile(path, (p) => ts.sys.readFile(p));
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, REPO_ROOT, undefined, path);
  return {
    ...parsed.options,
    jsx: ts.JsxEmit.ReactJSX,
    types: ['node'],
    noEmit: true,
  };
}

/** Type-checks every example in one program; the diagnostics, as `file.md:line: message`. */
function check(examples: Example[]): string[] {
  const options = compilerOptions();
  const byName = new Map(examples.map((e) => [e.fileName, e]));
  const host = ts.createCompilerHost(options, true);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.fileExists = (f) => byName.has(f) || fileExists(f);
  host.readFile = (f) => byName.get(f)?.text ?? readFile(f);
  host.getSourceFile = (f, languageVersion, ...rest) => {
    const example = byName.get(f);
    return example
      ? ts.createSourceFile(f, example.text, languageVersion, true)
      : getSourceFile(f, languageVersion, ...rest);
  };
  const program = ts.createProgram({ rootNames: [...byName.keys()], options, host });
  const problems: string[] = [];
  // The examples' own diagnostics (and the options'): the packages they import are
  // type-checked by `npm run typecheck`, and checking them here would only be slower.
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...[...byName.keys()].flatMap((name) => {
      const file = program.getSourceFile(name);
      return file
        ? [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]
        : [];
    }),
  ];
  for (const d of diagnostics) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n  ');
    const example = d.file ? byName.get(d.file.fileName) : undefined;
    if (d.file === undefined || example === undefined) {
      problems.push(`(compiler) ${d.file?.fileName ?? ''} ${message}`);
      continue;
    }
    const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    problems.push(
      `${example.mdFile}:${example.codeLine + line} (block at ${example.where}): TS${d.code} ${message}`,
    );
  }
  return problems.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

describe('TypeScript examples in Markdown', () => {
  const { examples, skipped } = collectExamples();

  it('finds the examples', () => {
    expect(examples.map((e) => e.where)).toContain('packages/react/README.md:7');
    // Opting out is for the odd fragment, not a habit.
    expect(skipped.length, `skipped: ${skipped.join(', ')}`).toBeLessThanOrEqual(
      Math.max(3, examples.length / 10),
    );
  });

  // One program for every block: a few seconds alone, more next to other test files.
  it('type-checks every ```ts and ```tsx block with the strict settings', () => {
    expect(check(examples)).toEqual([]);
  }, 60_000);
});
