import { describe, it, expect } from 'vitest';
import * as z from 'zod';
import * as core from '../index.ts';

// OpenAPI is generated from these schemas (STYLE.md), so each must convert to JSON
// Schema: as a request (input) and, except query parameters, as a response (output).
const INPUT_ONLY = new Set(['PageLimit']);
const schemas: [string, z.ZodType][] = [];
for (const [name, value] of Object.entries(core) as [string, unknown][]) {
  if (value instanceof z.ZodType) schemas.push([name, value]);
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

  it('keeps the limits in the generated schema', () => {
    const action = JSON.stringify(z.toJSONSchema(core.CartAction, { io: 'input' }));
    expect(action).toContain('"additionalProperties":false');
    expect(action).toContain('"maxLength":1000');
    expect(JSON.stringify(z.toJSONSchema(core.DiscountCode))).toContain(
      '"pattern":"^[A-Za-z0-9_-]{1,64}$"',
    );
  });
});
