import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import { serializerCompiler as zodSerializerCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';

/** Copies a value down to what its schema names: JSON.stringify of the copy is the answer. */
type Pick = (value: unknown) => unknown;

/** Leaves that zod's encode hands to JSON.stringify as they are. */
const LEAVES = new Set(['string', 'number', 'boolean', 'enum', 'literal', 'unknown', 'any', 'null']);
const asIs: Pick = (value) => value;

function objectOf(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError('response: expected an object');
  return value as Record<string, unknown>;
}

/**
 * A picker for the schema, or undefined when the schema holds something this does not reproduce
 * exactly (defaults, transforms, unions, loose objects): zod serializes those.
 */
function compile(schema: z.core.$ZodType): Pick | undefined {
  const def = schema._zod.def as z.core.$ZodTypeDef & Record<string, unknown>;
  if (LEAVES.has(def.type)) return asIs;
  switch (def.type) {
    case 'optional': {
      const inner = compile(def.innerType as z.core.$ZodType);
      return inner && ((value) => (value === undefined ? undefined : inner(value)));
    }
    case 'nullable': {
      const inner = compile(def.innerType as z.core.$ZodType);
      return inner && ((value) => (value === null ? null : inner(value)));
    }
    case 'record': {
      // zod rebuilds a record key by key, so an own "__proto__" key (EXIF comes from files) sets the
      // copy's prototype instead of a property, and never reaches the JSON: the same here.
      const values = compile(def.valueType as z.core.$ZodType);
      if (values !== asIs) return undefined;
      return (value) => {
        const out: Record<string, unknown> = {};
        for (const [key, v] of Object.entries(objectOf(value))) if (key !== '__proto__') out[key] = v;
        return out;
      };
    }
    case 'array': {
      const element = compile(def.element as z.core.$ZodType);
      if (!element) return undefined;
      return element === asIs ? asIs : (value) => (value as unknown[]).map((item) => element(item));
    }
    case 'object': {
      // Unknown keys are dropped, as zod's encode drops them: only a strip or strict object qualifies.
      const catchall = def.catchall as z.core.$ZodType | undefined;
      if (catchall !== undefined && catchall._zod.def.type !== 'never') return undefined;
      const fields: [string, Pick][] = [];
      for (const [name, field] of Object.entries(def.shape as Record<string, z.core.$ZodType>)) {
        const pick = compile(field);
        if (!pick) return undefined;
        fields.push([name, pick]);
      }
      return (value) => {
        const object = objectOf(value);
        const out: Record<string, unknown> = {};
        for (const [name, pick] of fields) {
          const v = object[name];
          if (v !== undefined) out[name] = pick === asIs ? v : pick(v);
        }
        return out;
      };
    }
    default:
      return undefined;
  }
}

/**
 * Serializes answers by their contract's shape without zod's encode pass, which validates every
 * value as it copies it: for a timeline page of 60 photos that was about as much CPU again as
 * JSON.stringify itself. The output is the same: keys in schema order, unknown keys dropped, absent
 * optional keys left out (test/schemas/serializer.test.ts compares the two on random answers).
 * What it gives up is the check that a handler returns the right types: TypeScript makes that
 * check for our handlers (the type provider types their return values from the same schemas).
 * Schemas it cannot reproduce exactly go to zod's serializer, as before.
 */
export const contractSerializerCompiler: FastifySerializerCompiler<unknown> = (route) => {
  const given = route.schema as unknown;
  const schema =
    given instanceof z.core.$ZodType
      ? given
      : (given as { properties?: unknown } | undefined)?.properties instanceof z.core.$ZodType
        ? ((given as { properties: z.core.$ZodType }).properties)
        : undefined;
  const pick = schema && compile(schema);
  return pick ? (data) => JSON.stringify(pick(data)) : zodSerializerCompiler(route as Parameters<typeof zodSerializerCompiler>[0]);
};
