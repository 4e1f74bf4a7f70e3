/**
 * README's configuration tables against the configuration schema
 * (packages/server/src/config.ts): every variable the schema reads has a row, every
 * variable a row names is one the schema reads, and the defaults agree wherever the
 * table gives one as a value in backticks.
 */
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config.ts';
import { readRepoFile, section, tables } from './markdown.ts';

const VARIABLE = /^[A-Z][A-Z0-9_]*$/;

interface Row {
  line: number;
  variables: string[];
  /** The default column, one part per variable. */
  defaults: string[];
}

/**
 * The rows of every table under README's "Configuration" heading whose first column is
 * `variable`, and what is wrong with their form.
 */
function readmeRows(): { rows: Row[]; problems: string[] } {
  const { text, line: offset } = section(readRepoFile('README.md'), 'Configuration');
  const rows: Row[] = [];
  const problems: string[] = [];
  for (const table of tables(text)) {
    if (table.header[0] !== 'variable') continue;
    if (table.header[1] !== 'default')
      problems.push(`README.md:${offset + table.line - 1}: the second column is not "default"`);
    for (const { line, cells } of table.rows) {
      const where = `README.md:${offset + line - 1}`;
      const first = cells[0] ?? '';
      const names = [...first.matchAll(/`([^`]*)`/g)].map((m) => m[1] ?? '');
      // Every name in full: no `RATE_LIMIT_*`, no `…_PER_CART`.
      for (const name of names)
        if (!VARIABLE.test(name))
          problems.push(`${where}: \`${name}\` is not a variable's full name`);
      if (names.length === 0 || first.replace(/`[^`]*`/g, '').replace(/[,\s]/g, '') !== '')
        problems.push(`${where}: the first column must hold only variable names in backticks`);
      const defaultCell = cells[1] ?? '';
      // One default per variable, comma-separated, when a row names several.
      const defaults = names.length === 1 ? [defaultCell] : splitDefaults(defaultCell);
      if (defaults.length !== names.length)
        problems.push(`${where}: ${names.length} variables but ${defaults.length} defaults`);
      rows.push({ line: offset + line - 1, variables: names, defaults });
    }
  }
  if (rows.length === 0) problems.push('README.md: no configuration table');
  return { rows, problems };
}

/** `` `3000`, `0.0.0.0` `` → two parts; commas inside backticks or parentheses stay. */
function splitDefaults(cell: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let inCode = false;
  let part = '';
  for (const c of cell) {
    if (c === '`') inCode = !inCode;
    else if (!inCode && c === '(') depth++;
    else if (!inCode && c === ')') depth--;
    if (c === ',' && !inCode && depth === 0) {
      parts.push(part.trim());
      part = '';
    } else part += c;
  }
  parts.push(part.trim());
  return parts;
}

const schemaVariables = Object.keys(ConfigSchema.shape).sort();

/** What the schema makes of the variable when it is not set. */
function schemaDefault(variable: string): unknown {
  const field = ConfigSchema.shape[variable as keyof typeof ConfigSchema.shape];
  const parsed = field.safeParse(undefined);
  if (!parsed.success) throw new Error(`${variable} has no default and is not optional`);
  return parsed.data;
}

/**
 * Whether a default cell agrees with the schema. A cell that starts with a value in
 * backticks gives the default: it must be the schema's (`2592000` (30 days) → 2592000).
 * Any other cell describes it in words ("unset", "none", "made up on a terminal"): the
 * schema must then have no value of its own, or one that is not a plain value (the
 * alert rules' defaults) and cannot be compared.
 */
function disagreement(variable: string, cell: string): string | null {
  const actual = schemaDefault(variable);
  const given = /^`([^`]*)`/.exec(cell)?.[1];
  if (given === undefined) {
    if (actual === undefined || (Array.isArray(actual) && actual.length === 0)) return null;
    if (typeof actual === 'object' && actual !== null && !Array.isArray(actual)) return null;
    return `the table gives no default value, the schema's is ${JSON.stringify(actual)}`;
  }
  if (actual === undefined) return `the table says \`${given}\`, the schema has no default`;
  if (typeof actual !== 'string' && typeof actual !== 'number' && typeof actual !== 'boolean')
    return `the schema's default ${JSON.stringify(actual)} is not a plain value`;
  return String(actual) === given
    ? null
    : `the table says \`${given}\`, the schema says ${JSON.stringify(actual)}`;
}

describe("README's configuration table", () => {
  const { rows, problems } = readmeRows();
  const documented = rows.flatMap((r) => r.variables);

  it('names each variable in full, one default per variable', () => {
    expect(problems).toEqual([]);
  });

  it('names every variable the configuration schema reads', () => {
    const missing = schemaVariables.filter((v) => !documented.includes(v));
    expect(missing, 'variables config.ts reads that README.md does not list').toEqual([]);
  });

  it('names only variables the schema reads, each once', () => {
    const unknown = documented.filter((v) => !schemaVariables.includes(v));
    expect(unknown, 'variables README.md lists that config.ts does not read').toEqual([]);
    const twice = documented.filter((v, i) => documented.indexOf(v) !== i);
    expect(twice, 'variables listed twice').toEqual([]);
  });

  it("gives each variable the schema's default", () => {
    const wrong = rows.flatMap((row) =>
      row.variables.flatMap((variable, i) => {
        if (!schemaVariables.includes(variable)) return [];
        const problem = disagreement(variable, row.defaults[i] ?? '');
        return problem === null ? [] : [`README.md:${row.line}: ${variable}: ${problem}`];
      }),
    );
    expect(wrong).toEqual([]);
  });
});
