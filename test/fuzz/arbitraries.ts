import fc from 'fast-check';

/** The slice of JSON Schema (as @fastify/swagger writes zod's schemas) the generators read. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  default?: unknown;
}

export type Resolve = (schema: JsonSchema) => JsonSchema;

/** Follows `#/components/schemas/<name>` references of an OpenAPI document. */
export function resolver(components: Record<string, JsonSchema> = {}): Resolve {
  return (schema) => {
    if (!schema.$ref) return schema;
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = components[name];
    if (!target) throw new Error(`unresolved ${schema.$ref}`);
    return target;
  };
}

/** Strings that have broken parsers, loggers, key builders and headers somewhere. */
const NASTY = [
  '',
  ' ',
  '\r\n',
  'a\r\nSet-Cookie: x=1',
  '\u0000',
  '\u007f\u0085\u009f',
  '\ud800',
  '\udc00x',
  '😀'.repeat(70),
  '\u202egpj.exe',
  '\u200f\u200e\u2066',
  '../../etc/passwd',
  '..\\..\\win.ini',
  '/',
  '%2e%2e%2f',
  '%00',
  '"quoted" \\back\\',
  "' OR '1'='1",
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'null',
  'undefined',
  'NaN',
  '-1',
  '1e309',
  'USER#other',
  'PHOTO#x',
  'a'.repeat(5000),
] as const;

/**
 * Any code point, lone surrogates and controls included, the low planes more often. (fast-check's own
 * `unit: 'binary'` does the same but takes ~15 ms a string under jest.)
 */
export const anyCodePoint: fc.Arbitrary<string> = fc
  .oneof(fc.integer({ min: 0, max: 0x2ff }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0x10ffff }))
  .map((c) => String.fromCodePoint(c));

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: fc.string({ unit: anyCodePoint, maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 300 }) },
);

/** Any JSON value, with numbers at the edges. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileString },
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc.integer(),
      fc.constantFrom(0, -0, -1, 2 ** 31, 2 ** 53, 2 ** 53 + 2, -(2 ** 63), 1e308, -1e308, 5e-324, 0.5),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

const printableAscii = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 80 });

/** Values a header may carry on the wire (visible ASCII, spaces, obs-text). */
export const headerValue: fc.Arbitrary<string> = fc.oneof(
  printableAscii,
  fc.constantFrom('', 'null', '\u00e9t\u00e9', 'a'.repeat(4000), '../../x', '{"a":1}', '1; DROP', 'Bearer', 'Basic Zm9vOmJhcg=='),
);

/**
 * A value shaped by `schema` where each part is, now and then, replaced by a hostile one: most cases
 * pass the outer checks and reach the inner fields, the handlers and the stores.
 */
export function valueFor(schema: JsonSchema, resolve: Resolve, depth = 0): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 4, arbitrary: conforming(resolve(schema), resolve, depth) }, { weight: 1, arbitrary: hostileValue });
}

function conforming(schema: JsonSchema, resolve: Resolve, depth: number): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.const !== undefined) return fc.constant(schema.const);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((s) => valueFor(s, resolve, depth)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return stringFor(schema);
    case 'integer': {
      const min = schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : (schema.minimum ?? -(2 ** 31));
      const max = schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : (schema.maximum ?? 2 ** 31);
      // Near the lower bound mostly: sizes and limits that a test stack can actually serve.
      return fc.oneof(fc.integer({ min, max: Math.min(max, min + 100_000) }), fc.constantFrom(min, max, min - 1, max + 1));
    }
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true, min: schema.minimum, max: schema.maximum });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      if (depth > 4) return fc.constant([]);
      const min = schema.minItems ?? 0;
      const max = Math.min(schema.maxItems ?? 5, min + 5);
      return fc.array(valueFor(schema.items ?? {}, resolve, depth + 1), { minLength: min, maxLength: max });
    }
    case 'object': {
      if (depth > 4) return fc.constant({});
      const properties = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      const known = fc.record(Object.fromEntries(Object.entries(properties).map(([name, s]) => [name, valueFor(s, resolve, depth + 1)])), {
        requiredKeys: [...required].filter((name) => name in properties),
      });
      // Mostly complete, so that the inner fields are checked; now and then a required field goes missing.
      const dropped = fc.oneof({ weight: 4, arbitrary: fc.constant([] as string[]) }, { weight: 1, arbitrary: fc.subarray([...required]) });
      const extra = fc.option(fc.dictionary(hostileString.filter((k) => !(k in properties)), hostileValue, { maxKeys: 2 }), { freq: 3 });
      return fc.tuple(known, dropped, extra).map(([record, missing, more]) => {
        const value: Record<string, unknown> = { ...record, ...more };
        for (const name of missing) delete value[name];
        return value;
      });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function stringFor(schema: JsonSchema): fc.Arbitrary<string> {
  if (schema.format === 'email') return fc.oneof(fc.emailAddress(), fc.constantFrom('Ada@Example.com', 'a@b.co'));
  if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern));
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.min(schema.maxLength ?? 64, minLength + 64);
  return fc.oneof(fc.string({ minLength, maxLength }), fc.string({ unit: 'grapheme', minLength, maxLength }));
}
