/**
 * A TypeScript client generated from the server's OpenAPI document must fit the SDK: the
 * document is docs/openapi.json (what the server serves at `/openapi.json`: the server's
 * swagger test fails when they differ), turned
 * into `paths`/`components` types by openapi-typescript, and a small file of type-level
 * assignments is compiled against the SDK's own types (the core schemas it parses and
 * sends with):
 *
 *   - every answer the SDK reads (the 2xx JSON of getCart, createCart, the changes,
 *     checkout, the catalog, the regions and a cart's shipping options) is assignable to
 *     the core type the SDK parses it as;
 *   - every body the SDK sends (actions, merge, and the single-purpose addLine) is
 *     assignable to the request body the document declares;
 *   - every problem+json answer of those operations is assignable to core's `Problem`.
 *
 * An operation, status or media type missing from the document fails its check too (the
 * extracted type is a `Missing<…>` marker then, never `never`, which fits everything).
 * The generated files are written under test-artifacts/openapi-types/ (git-ignored) and
 * kept when a check fails.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const ARTIFACTS = join(REPO, 'test-artifacts', 'openapi-types');

/** Name of a check → the assignment that must compile. */
const CHECKS: Record<string, string> = {
  // Answers: generated → the SDK's type.
  'getCart 200 is a Cart': `Json<Op<'/api/carts/{id}', 'get'>, 200>`,
  'createCart 201 is a CreatedCart': `Json<Op<'/api/carts', 'post'>, 201>`,
  'postActions 200 is a Cart': `Json<Op<'/api/carts/{id}/actions', 'post'>, 200>`,
  'addLine 200 is a Cart': `Json<Op<'/api/carts/{id}/lines', 'post'>, 200>`,
  'mergeCart 200 is a Cart': `Json<Op<'/api/carts/{id}/merge', 'post'>, 200>`,
  'checkout 200 is a CheckoutResult': `Json<Op<'/api/carts/{id}/checkout', 'post'>, 200>`,
  'listProducts 200 is a ProductPage': `Json<Op<'/api/products', 'get'>, 200>`,
  'getProduct 200 is a Product': `Json<Op<'/api/products/{id}', 'get'>, 200>`,
  'listRegions 200 is a RegionList': `Json<Op<'/api/regions', 'get'>, 200>`,
  'listShippingOptions 200 is a CartShippingOptions': `Json<Op<'/api/carts/{id}/shipping-options', 'get'>, 200>`,
  // Requests: the SDK's body → generated.
  'the ActionBatch body fits postActions': `RequestJson<Op<'/api/carts/{id}/actions', 'post'>>`,
  'the AddLine body fits addLine': `RequestJson<Op<'/api/carts/{id}/lines', 'post'>>`,
  'the Merge body fits mergeCart': `RequestJson<Op<'/api/carts/{id}/merge', 'post'>>`,
  // Problems: every problem+json answer → core's Problem.
  'getCart problems are Problems': `Problems<Op<'/api/carts/{id}', 'get'>>`,
  'createCart problems are Problems': `Problems<Op<'/api/carts', 'post'>>`,
  'postActions problems are Problems': `Problems<Op<'/api/carts/{id}/actions', 'post'>>`,
  'addLine problems are Problems': `Problems<Op<'/api/carts/{id}/lines', 'post'>>`,
  'mergeCart problems are Problems': `Problems<Op<'/api/carts/{id}/merge', 'post'>>`,
  'checkout problems are Problems': `Problems<Op<'/api/carts/{id}/checkout', 'post'>>`,
  'getProduct problems are Problems': `Problems<Op<'/api/products/{id}', 'get'>>`,
  'listRegions problems are Problems': `Problems<Op<'/api/regions', 'get'>>`,
  'listShippingOptions problems are Problems': `Problems<Op<'/api/carts/{id}/shipping-options', 'get'>>`,
};

/** Checks that must fail: they show the others can. */
const CONTROLS: Record<string, string> = {
  'control: a Product is not a Cart': `Json<Op<'/api/products/{id}', 'get'>, 200>`,
  'control: an operation the document lacks is missing': `Json<Op<'/api/nowhere', 'get'>, 200>`,
  'control: a status the document lacks is missing': `Json<Op<'/api/carts/{id}', 'get'>, 299>`,
};

/** The SDK-side type of each check, and the direction of the assignment. */
const SIDES: Record<string, { sdk: string; sdkToGenerated?: true }> = {
  'getCart 200 is a Cart': { sdk: 'Cart' },
  'createCart 201 is a CreatedCart': { sdk: 'CreatedCart' },
  'postActions 200 is a Cart': { sdk: 'Cart' },
  'addLine 200 is a Cart': { sdk: 'Cart' },
  'mergeCart 200 is a Cart': { sdk: 'Cart' },
  'checkout 200 is a CheckoutResult': { sdk: 'CheckoutResult' },
  'listProducts 200 is a ProductPage': { sdk: 'ProductPage' },
  'getProduct 200 is a Product': { sdk: 'Product' },
  'listRegions 200 is a RegionList': { sdk: 'RegionList' },
  'listShippingOptions 200 is a CartShippingOptions': { sdk: 'CartShippingOptions' },
  'the ActionBatch body fits postActions': { sdk: 'ActionBatch', sdkToGenerated: true },
  'the AddLine body fits addLine': { sdk: 'z.infer<typeof AddLineBody>', sdkToGenerated: true },
  'the Merge body fits mergeCart': { sdk: 'z.infer<typeof MergeBody>', sdkToGenerated: true },
  'control: a Product is not a Cart': { sdk: 'Cart' },
  'control: an operation the document lacks is missing': { sdk: 'Cart' },
  'control: a status the document lacks is missing': { sdk: 'Cart' },
};

const PRELUDE = `// Generated by packages/client/test/openapi-types.test.ts: do not edit.
import type {
  ActionBatch,
  AddLineBody,
  Cart,
  CartShippingOptions,
  CheckoutResult,
  CreatedCart,
  MergeBody,
  Problem,
  Product,
  ProductPage,
  RegionList,
} from '@cart/core';
import type * as z from 'zod';
import type { paths } from './api.ts';

/** Stands for what the document does not have: assignable to none of the SDK's types. */
interface Missing<What extends string> {
  readonly missing: What;
}
/** \`never\` and \`any\` would fit anything: turned into a Missing marker. */
type Real<T, What extends string> = [T] extends [never]
  ? Missing<What>
  : 0 extends 1 & T
    ? Missing<\`\${What} (typed any)\`>
    : T;

type Op<P extends string, M extends string> = P extends keyof paths
  ? M extends keyof paths[P]
    ? NonNullable<paths[P][M]>
    : Missing<\`\${M} \${P}\`>
  : Missing<\`\${M} \${P}\`>;

/** The members of a content map whose media type starts with \`Prefix\`. */
type Media<C, Prefix extends string> = {
  [K in keyof C]: K extends \`\${Prefix}\${string}\` ? C[K] : never;
}[keyof C];

type Json<O, S extends number> = O extends { responses: infer R }
  ? S extends keyof R
    ? R[S] extends { content: infer C }
      ? Real<Media<C, 'application/json'>, \`\${S} application/json\`>
      : Missing<\`\${S} content\`>
    : Missing<\`status \${S}\`>
  : O;

type RequestJson<O> = O extends { requestBody?: infer B }
  ? NonNullable<B> extends { content: infer C }
    ? Real<Media<C, 'application/json'>, 'request application/json'>
    : Missing<'requestBody content'>
  : O;

type Problems<O> = O extends { responses: infer R }
  ? Real<
      {
        [S in keyof R]: S extends number | \`\${number}\`
          ? \`\${S}\` extends \`4\${string}\` | \`5\${string}\`
            ? R[S] extends { content: infer C }
              ? Real<Media<C, 'application/problem+json'>, \`\${S} application/problem+json\`>
              : Missing<\`\${S} content\`>
            : never
          : never;
      }[keyof R],
      'any 4xx or 5xx answer'
    >
  : O;
`;

interface CheckSource {
  text: string;
  /** 0-based line of each check's assignment → its name. */
  lines: Map<number, string>;
}

function checkSource(): CheckSource {
  const lines = new Map<number, string>();
  const out: string[] = PRELUDE.split('\n');
  let n = 0;
  for (const [name, generated] of Object.entries({ ...CHECKS, ...CONTROLS })) {
    n += 1;
    const side = SIDES[name];
    out.push(`// ${name}`);
    if (side === undefined) {
      out.push(`declare const generated${n}: ${generated};`);
      lines.set(out.length, name);
      out.push(`export const check${n}: Problem = generated${n};`);
    } else if (side.sdkToGenerated) {
      out.push(`declare const sdk${n}: ${side.sdk};`);
      lines.set(out.length, name);
      out.push(`export const check${n}: ${generated} = sdk${n};`);
    } else {
      out.push(`declare const generated${n}: ${generated};`);
      lines.set(out.length, name);
      out.push(`export const check${n}: ${side.sdk} = generated${n};`);
    }
  }
  return { text: out.join('\n') + '\n', lines };
}

/** Compiles `file` with the client's compiler options; diagnostics by check name. */
function compile(dir: string, file: string, lines: Map<number, string>): Map<string, string[]> {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(REPO, 'packages/client/test/tsconfig.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
  );
  if (!config) throw new Error('cannot read packages/client/test/tsconfig.json');
  const program = ts.createProgram([file], { ...config.options, noEmit: true });
  const byCheck = new Map<string, string[]>();
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    let name = 'other';
    if (diagnostic.file && diagnostic.start !== undefined) {
      const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
      const where = diagnostic.file.fileName.startsWith(dir)
        ? diagnostic.file.fileName.slice(dir.length + 1)
        : diagnostic.file.fileName;
      name =
        diagnostic.file.fileName === file ? (lines.get(line) ?? `${where}:${line + 1}`) : where;
    }
    byCheck.set(name, [...(byCheck.get(name) ?? []), message]);
  }
  return byCheck;
}

describe('a client generated from /openapi.json fits the SDK', () => {
  let dir: string;
  let generated: string;
  let diagnostics = new Map<string, string[]>();
  let failed = false;

  beforeAll(async () => {
    const document = JSON.parse(
      readFileSync(join(REPO, 'docs', 'openapi.json'), 'utf8'),
    ) as OpenAPI3;
    generated = astToString(await openapiTS(document, { silent: true }));
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = mkdtempSync(join(ARTIFACTS, 'run-'));
    writeFileSync(join(dir, 'openapi.json'), JSON.stringify(document, null, 2));
    writeFileSync(join(dir, 'api.ts'), generated);
    const source = checkSource();
    const file = join(dir, 'checks.ts');
    writeFileSync(file, source.text);
    diagnostics = compile(dir, file, source.lines);
  });

  afterAll(() => {
    if (dir && !failed) rmSync(dir, { recursive: true, force: true });
  });

  const expectClean = (name: string): void => {
    const found = diagnostics.get(name) ?? [];
    if (found.length > 0) failed = true;
    expect(found, `see ${dir}/checks.ts`).toEqual([]);
  };

  it('generates paths and components types', () => {
    expect(generated).toMatch(/export interface paths \{/);
    expect(generated).toMatch(/export interface components \{/);
  });

  it('compiles the generated file and the checks without other errors', () => {
    const other = [...diagnostics.keys()].filter((k) => !(k in CHECKS) && !(k in CONTROLS));
    for (const k of other) expectClean(k);
    expect(other).toEqual([]);
  });

  it.each(Object.keys(CHECKS))('%s', (name) => {
    expectClean(name);
  });

  it.each(Object.keys(CONTROLS))('%s (must not compile)', (name) => {
    expect(diagnostics.get(name) ?? []).not.toEqual([]);
  });

  it('keeps the generated files for a look when OPENAPI_TYPES_KEEP=1', () => {
    if (process.env.OPENAPI_TYPES_KEEP === '1') failed = true;
    expect(dir.startsWith(ARTIFACTS)).toBe(true);
  });
});
