import type { SwaggerTransform, SwaggerTransformObject } from '@fastify/swagger';
import type { RouteOptions } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { PROBLEM_CONTENT_TYPE } from '../lib/problem.js';
import { PROBLEM_DESCRIPTIONS } from './problem.js';

/**
 * The served /openapi.json is the mobile app's contract (its types are generated from it), so
 * what the service does for every route, beyond each route's own schema, is written in here:
 * the error handler's 500 and 503, the 413/415 the body parser answers, Retry-After on 429/503, the
 * rate-limit headers of limited routes. Named zod schemas (`.meta({ id })`) become components
 * referenced with $ref.
 */

interface ResponseDoc {
  description?: string;
  content?: Record<string, unknown>;
  headers?: Record<string, HeaderDoc>;
}
interface HeaderDoc {
  type: 'integer';
  description: string;
}
interface RouteDoc {
  hide?: boolean;
  body?: unknown;
  security?: Record<string, unknown>[];
  response?: Record<string, ResponseDoc>;
}

const RETRY_AFTER: HeaderDoc = { type: 'integer', description: 'Seconds to wait before trying again (sent when the service knows)' };

/** What @fastify/rate-limit sets on every answer of a limited route (src/plugins/app/rate-limits.ts). */
const RATE_LIMIT_HEADERS: Record<string, HeaderDoc> = {
  'x-ratelimit-limit': { type: 'integer', description: 'Requests this address may make per window (shared by the limited routes)' },
  'x-ratelimit-remaining': { type: 'integer', description: 'Requests left in the current window' },
  'x-ratelimit-reset': { type: 'integer', description: 'Seconds until the window ends' },
};

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function problemAnswer(status: 413 | 415 | 429 | 500 | 503): ResponseDoc {
  return {
    description: PROBLEM_DESCRIPTIONS[status],
    content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } },
  };
}

export interface DocumentOptions {
  /** Whether a route runs the per-address rate limit (it then sends the x-ratelimit-* headers). */
  isRateLimited(route: RouteOptions): boolean;
}

/** Per route: zod to JSON Schema, then what the service adds to every route's answers. */
export function documentRoute(options: DocumentOptions): SwaggerTransform {
  return (input) => {
    const result = jsonSchemaTransform(input as Parameters<typeof jsonSchemaTransform>[0]);
    const schema = result.schema as RouteDoc;
    if (schema.hide || !schema.response) return result;
    const responses = schema.response;
    // The error handler turns anything unexpected into this, on any route.
    responses['500'] ??= problemAnswer(500);
    // Shed load (overloaded) and a dependency out of reach (dependency-unavailable), on any route that
    // calls one; liveness calls nothing and is never shed.
    if (!input.url.startsWith('/health/live')) responses['503'] ??= problemAnswer(503);
    // The body parser (src/plugins/app/body-parsing.ts) answers these before validation, also on a route
    // that takes no body when a client sends one anyway.
    const methods = [input.route.method].flat();
    if (schema.body !== undefined || methods.some((method) => BODY_METHODS.has(method))) {
      responses['413'] ??= problemAnswer(413);
      responses['415'] ??= problemAnswer(415);
    }
    // Signed-in routes have per-user budgets (src/plugins/app/rate-limits.ts; on in production).
    if (schema.security?.some((requirement) => 'bearerAuth' in requirement)) responses['429'] ??= problemAnswer(429);
    const limited = options.isRateLimited(input.route);
    for (const [status, response] of Object.entries(responses)) {
      const isProblem = response.content?.[PROBLEM_CONTENT_TYPE] !== undefined;
      // Every 429 carries Retry-After (a page's too); a 503 does when it is ours, not the readiness report.
      const retry = status === '429' || (status === '503' && isProblem);
      const headers = { ...(limited ? RATE_LIMIT_HEADERS : {}), ...(retry ? { 'retry-after': RETRY_AFTER } : {}) };
      if (Object.keys(headers).length > 0) response.headers = { ...response.headers, ...headers };
    }
    return result;
  };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const SCHEMA_REF = '#/components/schemas/';

function refsIn(value: Json, found: Set<string>): void {
  if (Array.isArray(value)) for (const item of value) refsIn(item, found);
  else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string' && child.startsWith(SCHEMA_REF)) found.add(child.slice(SCHEMA_REF.length));
      else refsIn(child, found);
    }
  }
}

/**
 * The whole document: every named schema is emitted twice by the zod provider (`X` for answers,
 * `XInput` for requests); keep only the ones referenced, and call a request-only one `X`. The
 * components are sorted so the document is byte-for-byte the same from run to run.
 */
export const documentObject: SwaggerTransformObject = (input) => {
  const document = jsonSchemaTransformObject(input) as { paths?: Json; components?: { schemas?: Record<string, Json> } };
  const schemas = document.components?.schemas ?? {};
  const used = new Set<string>();
  refsIn(document.paths ?? null, used);
  for (let pending = [...used]; pending.length > 0; ) {
    const next = new Set<string>();
    for (const name of pending) refsIn(schemas[name] ?? null, next);
    pending = [...next].filter((name) => !used.has(name));
    for (const name of pending) used.add(name);
  }
  const renames = new Map<string, string>();
  for (const name of used) {
    const plain = name.replace(/Input$/, '');
    if (plain !== name && !used.has(plain)) renames.set(name, plain);
  }
  const kept: Record<string, Json> = {};
  const byFinalName = [...used].map((name) => [renames.get(name) ?? name, name] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [final, name] of byFinalName) if (schemas[name] !== undefined) kept[final] = schemas[name];
  const renamed = JSON.stringify({ ...document, components: { ...document.components, schemas: kept } }, (key, value: Json) =>
    key === '$ref' && typeof value === 'string' && value.startsWith(SCHEMA_REF) && renames.has(value.slice(SCHEMA_REF.length))
      ? `${SCHEMA_REF}${renames.get(value.slice(SCHEMA_REF.length))}`
      : value,
  );
  return JSON.parse(renamed) as ReturnType<SwaggerTransformObject>;
};

/** How the document is written to disk (mobile/openapi.json): stable, diffable. */
export function formatDocument(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
