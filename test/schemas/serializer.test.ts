import fc from 'fast-check';
import { serializerCompiler as zodSerializerCompiler } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { accepted, meResponse } from '../../src/schemas/auth.js';
import { photo, photoPage } from '../../src/schemas/photos.js';
import { problemSchema } from '../../src/schemas/problem.js';
import { contractSerializerCompiler } from '../../src/schemas/serializer.js';

const route = (schema: z.ZodType) => ({ schema, method: 'GET', url: '/test', httpStatus: '200' });
const ours = (schema: z.ZodType) => contractSerializerCompiler(route(schema) as never) as (data: unknown) => string;
const zods = (schema: z.ZodType) => zodSerializerCompiler(route(schema) as never) as (data: unknown) => string;

/** Keys no contract has: whatever a handler adds by mistake must not reach the client. */
const extra = fc.dictionary(fc.constantFrom('PK', 'GSI1SK', 'uploadId', 's3Key', 'secret'), fc.string(), { maxKeys: 2 });
const text = fc.string({ unit: 'binary', maxLength: 40 });
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const photoValue = fc
  .record({
    id: text,
    status: fc.constantFrom('uploading', 'processing', 'ready', 'rejected'),
    filename: text,
    contentType: text,
    size: fc.integer(),
    sha256: text,
    width: optional(fc.integer()),
    height: optional(fc.integer()),
    takenAt: text,
    uploadedAt: text,
    exif: optional(fc.dictionary(text, fc.jsonValue(), { maxKeys: 4 })),
    location: optional(fc.record({ lat: fc.double({ noNaN: true, noDefaultInfinity: true }), lon: fc.double({ noNaN: true, noDefaultInfinity: true }), alt: optional(fc.integer()) })),
    thumbhash: optional(text),
    trashedAt: optional(text),
    urls: fc.record({ thumbnail: optional(text), preview: optional(text), original: optional(text) }),
  })
  .chain((p) => extra.map((more) => ({ ...more, ...p, urls: { ...p.urls, ...more } })));

describe('contract serializer', () => {
  it('drops an own "__proto__" key of a record (EXIF) as zod does (found by the property below)', () => {
    const withProto = JSON.parse('{"id":"p","status":"ready","filename":"","contentType":"","size":0,"sha256":"","takenAt":"","uploadedAt":"","exif":{"__proto__":null,"Make":"Apple"},"urls":{}}');
    const page = { items: [withProto], nextCursor: null };
    expect(ours(photoPage)(page)).toBe(zods(photoPage)(page));
    expect(ours(photoPage)(page)).not.toContain('__proto__');
  });

  it('writes photo pages exactly as zod serialization does: same bytes, unknown keys dropped', () => {
    const fast = ours(photoPage);
    const reference = zods(photoPage);
    fc.assert(
      fc.property(fc.array(photoValue, { maxLength: 5 }), fc.option(text, { nil: null }), extra, (items, nextCursor, more) => {
        const page = { ...more, items, nextCursor };
        expect(fast(page)).toBe(reference(page));
      }),
      { numRuns: 300 },
    );
    expect(ours(photo)({ id: 'p', status: 'ready', filename: 'a', contentType: 'image/jpeg', size: 1, sha256: 's', takenAt: 't', uploadedAt: 'u', urls: {}, PK: 'USER#x' })).toBe(
      '{"id":"p","status":"ready","filename":"a","contentType":"image/jpeg","size":1,"sha256":"s","takenAt":"t","uploadedAt":"u","urls":{}}',
    );
  });

  it('writes the profile and the accepted answer as zod does', () => {
    fc.assert(
      fc.property(text, text, fc.option(text, { nil: null }), fc.nat(), extra, (userId, email, name, bytes, more) => {
        const me = { userId, email, name, createdAt: '2026-01-01T00:00:00.000Z', usage: { photos: 3, bytes, quotaBytes: 10 ** 10, ...more }, ...more };
        expect(ours(meResponse)(me)).toBe(zods(meResponse)(me));
      }),
    );
    expect(ours(accepted)({ status: 'accepted' })).toBe(zods(accepted)({ status: 'accepted' }));
  });

  it('leaves schemas it cannot reproduce to zod: a loose problem keeps its extension members, a wrong one still fails', () => {
    const body = { type: 'about:blank', title: 'Conflict', status: 409, detail: 'changed', retryAfter: 5 };
    expect(ours(problemSchema)(body)).toBe(JSON.stringify(body));
    expect(() => ours(problemSchema)({ type: 1 })).toThrow();
  });
});
