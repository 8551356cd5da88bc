import type { Multipart, MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { HttpProblem } from '../lib/problem.js';

const bodyError = (message: string) => new HttpProblem('validation', `body: ${message}`, { errors: [{ path: 'body', message }] });

/** What @fastify/multipart and busboy throw while the parts are read, as our problems (never a 500: it is the client's body). */
export function multipartProblem(error: unknown, limits: { fileSize: number; files: number }): HttpProblem {
  if (error instanceof HttpProblem) return error;
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return new HttpProblem('payloadTooLarge', `A file is larger than ${limits.fileSize} bytes; nothing of it was kept`);
    case 'FST_FILES_LIMIT':
      return new HttpProblem('payloadTooLarge', `At most ${limits.files} files per request`);
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return new HttpProblem('payloadTooLarge', 'Too many form fields');
    case 'FST_PROTO_VIOLATION':
      return bodyError('a form field has a reserved name');
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new HttpProblem('unsupportedMediaType', 'Send multipart/form-data');
    case 'FST_INVALID_JSON_FIELD_ERROR':
      return bodyError('a form field declared as JSON is not JSON');
    default:
      // Busboy's own: a missing boundary, a truncated or malformed body, a client gone mid-way.
      return bodyError('is not a well-formed multipart/form-data body');
  }
}

const notMultipart = (request: FastifyRequest) =>
  new HttpProblem('unsupportedMediaType', `Content-Type ${request.headers['content-type'] ?? '(none)'} is not supported here; send multipart/form-data`);

/** onRequest hook of the multipart routes: any other body is a 415 before it is read (never parsed as JSON, never validated). */
export async function requireMultipart(request: FastifyRequest): Promise<void> {
  if (!/^multipart\/form-data\s*;/i.test(request.headers['content-type'] ?? '')) throw notMultipart(request);
}

/** The request's parts one by one, each failure of the parser turned into a problem. */
export async function* formParts(request: FastifyRequest, limits: { fileSize: number; files: number }): AsyncGenerator<Multipart> {
  if (!request.isMultipart()) throw notMultipart(request);
  const parts = request.parts();
  for (;;) {
    let next: IteratorResult<Multipart>;
    try {
      next = await parts.next();
    } catch (error) {
      throw multipartProblem(error, limits);
    }
    if (next.done) return;
    yield next.value;
  }
}

/** Drains a file part nobody wants (the parser waits for it before the next part). */
export async function skipFile(part: MultipartFile): Promise<void> {
  part.file.resume();
  await new Promise<void>((resolve) => {
    if (part.file.readableEnded) return resolve();
    part.file.once('end', resolve).once('close', resolve).once('error', () => resolve());
  });
}

/** Reads a form without files (the share pages' password and paging forms): its text fields, last value wins. */
export async function readFields(request: FastifyRequest, limits: { fileSize: number; files: number }): Promise<Record<string, string>> {
  const fields: Record<string, string> = {};
  for await (const part of formParts(request, limits)) {
    if (part.type === 'file') {
      await skipFile(part);
      throw bodyError('this form takes no files');
    }
    if (typeof part.value === 'string') fields[part.fieldname] = part.value;
  }
  return fields;
}
