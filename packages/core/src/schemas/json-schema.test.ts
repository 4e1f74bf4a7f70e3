import { describe, it, expect } from 'vitest';
import * as z from 'zod/mini';
import * as core from '../index.ts';

// OpenAPI is generated from these schemas (STYLE.md), so each must convert to JSON
// Schema: as a request (input) and, except query parameters, as a response (output).
const INPUT_ONLY = new Set(['PageLimit']);
const schemas: [string, z.ZodMiniType][] = [];
for (const [name, value] of Object.entries(core) as [string, unknown][]) {
  if (value instanceof z.ZodMiniType) schemas.push([name, value]);
}

describe('every exported schema converts to JSON Schema', () => {
  it('finds the schemas', () => {
    expect(schemas.map(([name]) => name)).toEqual(
      expect.arrayContaining(['Cart', 'CartAction', 'Product', 'Problem']),
    );
  });

  it.each(schemas)('%s', (name, schema) => {
    expect(() => z.toJSONSchema(schema, { io: 'input' })).not.toThrow();
    if (!INPUT_ONLY.has(name)) expect(() => z.toJSONSchema(schema, { io: 'output' })).not.toThrow();
  });

  it('describes in words wherever it describes: no empty description reaches the API reference', () => {
    for (const [name, schema] of schemas) {
      const ios = INPUT_ONLY.has(name) ? (['input'] as const) : (['input', 'output'] as const);
      for (const io of ios) {
        for (const description of descriptions(z.toJSONSchema(schema, { io }))) {
          expect(description.trim(), `${name} (${io})`).not.toBe('');
        }
      }
    }
  });

  it('keeps the limits in the generated schema', () => {
    const action = JSON.stringify(z.toJSONSchema(core.CartAction, { io: 'input' }));
    expect(action).toContain('"additionalProperties":false');
    expect(action).toContain('"maxLength":1000');
    expect(JSON.stringify(z.toJSONSchema(core.DiscountCode))).toContain(
      '"pattern":"^[A-Za-z0-9_-]{1,64}$"',
    );
  });
});

/** Every `description` text in a JSON Schema document, at any depth. */
function descriptions(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(descriptions);
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === 'description' && typeof value === 'string' ? [value] : descriptions(value),
  );
}
