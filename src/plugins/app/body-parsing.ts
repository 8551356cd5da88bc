import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import fp from 'fastify-plugin';
import { HttpProblem, problem, PROBLEM_CONTENT_TYPE } from '../../lib/problem.js';

/**
 * No request body of ours nests deeper than 4 levels (`items[].parts[]`); 32 leaves room for new
 * routes and still refuses a 10,000-level body before anything (secure-json-parse's prototype scan,
 * zod, a log serializer) walks it recursively.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * True when `text` opens more than `maxDepth` arrays or objects inside one another. One pass over the
 * characters, skipping string contents (escapes included): about a millisecond per megabyte, under
 * the body limit's megabyte.
 */
export function jsonDeeperThan(text: string, maxDepth: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: skip to its closing quote, stepping over escaped characters.
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === 0x5c) i++;
        else if (s === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

/**
 * The router's cap on one path parameter (Fastify's `maxParamLength`, 100 by default): share link tokens
 * (src/sharing/link-tokens.ts, at most 1,024 characters) travel in the path; every other parameter is a short
 * id its route's schema bounds much lower.
 */
export const MAX_PARAM_LENGTH = 1024;

/**
 * Fastify's `frameworkErrors` option: the router refuses a path parameter over MAX_PARAM_LENGTH characters
 * (FST_ERR_MAX_PARAM_LENGTH, a 414) or with broken percent-encoding (FST_ERR_BAD_URL) before any
 * hook or error handler runs, with a JSON body of its own. Both are invalid parameters: a 400
 * problem naming `params`, like any other parameter that breaks its rules.
 */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const message =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? `a path parameter is longer than ${MAX_PARAM_LENGTH} characters` : error.code === 'FST_ERR_BAD_URL' ? 'a path parameter is not valid percent-encoded UTF-8' : 'is not valid';
  void reply.status(400).type(PROBLEM_CONTENT_TYPE).send(problem('validation', `params: ${message}`, { errors: [{ path: 'params', message }] }));
}

/** JSON is UTF-8 (RFC 8259 §8.1): a charset parameter may only say so. */
function declaresOtherCharset(contentType: string | undefined): boolean {
  const charset = /;\s*charset\s*=\s*("?)([^";\s]*)\1/i.exec(contentType ?? '')?.[2];
  return charset !== undefined && !/^utf-?8$/i.test(charset);
}

function unsupported(request: FastifyRequest): HttpProblem {
  return new HttpProblem('unsupportedMediaType', `Content-Type ${request.headers['content-type'] ?? '(none)'} is not supported here; send application/json (UTF-8)`);
}

/**
 * Request bodies: application/json (any letter case, `charset=utf-8` or none) and nothing else.
 * Fastify's built-in text/plain parser is removed, so a text body is a 415 instead of a string
 * reaching the route's validation; a body nested deeper than MAX_JSON_DEPTH is a 400 before it is
 * parsed; `__proto__` and `constructor.prototype` keys are refused (400) by Fastify's secure parser.
 * Bodies over BODY_LIMIT_BYTES are a 413 (Fastify's bodyLimit, checked on Content-Length and while
 * reading).
 */
export default fp(
  async function bodyParsing(app: FastifyInstance) {
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser(['text/plain', 'application/json']);
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      if (declaresOtherCharset(request.headers['content-type'])) return done(unsupported(request), undefined);
      const text = body as string;
      if (jsonDeeperThan(text, MAX_JSON_DEPTH)) {
        const message = `nests arrays or objects more than ${MAX_JSON_DEPTH} levels deep`;
        return done(new HttpProblem('validation', `body: ${message}`, { errors: [{ path: 'body', message }] }), undefined);
      }
      parseJson(request, text, done);
    });
  },
  { name: 'body-parsing' },
);

export interface MultipartLimits {
  /** Largest file part, in bytes (a longer one is cut there and refused: 413). */
  fileSize: number;
  /** File parts per request. */
  files: number;
}

/**
 * multipart/form-data, for the share link routes alone (collect links' guest uploads and the share pages' forms):
 * each of them registers this in its own encapsulated route plugin, so no other route has a multipart parser and
 * a multipart body anywhere else stays a 415. The parser only marks the request: the route reads the parts as
 * they stream (request.parts()), and never as a whole body, so BODY_LIMIT_BYTES does not apply; these limits do.
 * Fields are few and small (a name, a password, a cursor).
 */
export async function multipartBodies(scope: FastifyInstance, limits: MultipartLimits): Promise<void> {
  await scope.register(multipart, {
    limits: { fieldNameSize: 100, fieldSize: 4096, fields: 10, fileSize: limits.fileSize, files: limits.files, parts: limits.files + 10, headerPairs: 50 },
    throwFileSizeLimit: true,
  });
}
