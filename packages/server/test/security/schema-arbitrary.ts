/**
 * fast-check arbitraries generated from the core zod schemas: each schema goes through
 * zod's own JSON Schema export (the one the OpenAPI document is built from), and the
 * JSON Schema becomes an arbitrary of values of that shape. A fuzzer built this way
 * follows the schemas as they change, instead of a hand-written copy of them.
 */
import fc from 'fast-check';
import * as z from 'zod';

/** The subset of JSON Schema (draft 2020-12) that zod emits for the request bodies. */
export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

export interface SchemaArbitraryOptions {
  /** Arbitraries for properties by name, wherever a property of that name appears. */
  fields?: Record<string, fc.Arbitrary<unknown>>;
  /** Free text (strings without a pattern or format); cut to the schema's maxLength. */
  text?: fc.Arbitrary<string>;
  /** Most items in a generated array, whatever the schema allows (keeps bodies small). */
  maxItems?: number;
  /** Most keys in a generated map (a record with free keys). */
  maxKeys?: number;
}

/** The JSON Schema of a zod schema's input, as the OpenAPI document describes it. */
export function jsonSchemaOf(schema: z.core.$ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

const instant = fc
  .tuple(
    fc.date({
      min: new Date('2000-01-01T00:00:00Z'),
      max: new Date('2100-01-01T00:00:00Z'),
      noInvalidDate: true,
    }),
    fc.constantFrom('Z', '+00:00', '+05:30', '-08:00'),
  )
  .map(([d, zone]) => d.toISOString().replace('Z', zone));

function stringArbitrary(
  schema: JsonSchema,
  options: SchemaArbitraryOptions,
): fc.Arbitrary<string> {
  if (schema.format === 'date-time') return instant;
  if (schema.format === 'uri') return fc.webUrl({ withQueryParameters: true, withFragments: true });
  const min = schema.minLength ?? 0;
  const max = schema.maxLength;
  if (schema.pattern !== undefined) {
    const matching = fc.stringMatching(new RegExp(schema.pattern));
    return max === undefined
      ? matching
      : matching.filter((s) => s.length <= max && s.length >= min);
  }
  const text = (options.text ?? fc.string({ maxLength: 40 })).map((s) =>
    max === undefined ? s : s.slice(0, max),
  );
  const filled = text.filter((s) => s.length >= min);
  // The longest text allowed, to meet the limit exactly as often as anything else does.
  return max === undefined || max > 5000
    ? filled
    : fc.oneof(
        { arbitrary: filled, weight: 9 },
        { arbitrary: fc.constant('x'.repeat(max)), weight: 1 },
      );
}

function integerArbitrary(schema: JsonSchema): fc.Arbitrary<number> {
  const min = Math.max(schema.minimum ?? Number.MIN_SAFE_INTEGER, Number.MIN_SAFE_INTEGER);
  const max = Math.min(schema.maximum ?? Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  const small = fc.integer({
    min: Math.max(min, Math.min(0, max)),
    max: Math.min(max, Math.max(min, 0) + 20),
  });
  return fc.oneof(
    { arbitrary: small, weight: 6 },
    { arbitrary: fc.integer({ min, max }), weight: 2 },
    { arbitrary: fc.constantFrom(min, max), weight: 1 },
  );
}

/** An arbitrary of values that satisfy `schema` (JSON Schema), mostly; see the options. */
export function arbitraryFor(
  schema: JsonSchema,
  options: SchemaArbitraryOptions = {},
): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum !== undefined) return fc.constantFrom(...schema.enum);
  const union = schema.anyOf ?? schema.oneOf;
  if (union !== undefined) return fc.oneof(...union.map((s) => arbitraryFor(s, options)));
  switch (schema.type) {
    case 'string':
      return stringArbitrary(schema, options);
    case 'integer':
      return integerArbitrary(schema);
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(arbitraryFor(schema.items ?? {}, options), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.max(
          schema.minItems ?? 0,
          Math.min(schema.maxItems ?? 10, options.maxItems ?? 10),
        ),
      });
    case 'object':
      return objectArbitrary(schema, options);
    case undefined:
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function objectArbitrary(
  schema: JsonSchema,
  options: SchemaArbitraryOptions,
): fc.Arbitrary<unknown> {
  const properties = schema.properties ?? {};
  if (Object.keys(properties).length === 0 && typeof schema.additionalProperties === 'object') {
    return fc.dictionary(
      arbitraryFor({ type: 'string', ...schema.propertyNames }, options) as fc.Arbitrary<string>,
      arbitraryFor(schema.additionalProperties, options),
      { maxKeys: options.maxKeys ?? 4 },
    );
  }
  const model = Object.fromEntries(
    Object.entries(properties).map(([name, property]) => [
      name,
      options.fields?.[name] ?? arbitraryFor(property, options),
    ]),
  );
  return fc.record(model, { requiredKeys: schema.required ?? [] });
}
