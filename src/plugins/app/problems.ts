import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { isDependencyOutage } from '../../aws/client-options.js';
import { DependencyBusyError } from '../../aws/limits.js';
import { HttpProblem, problem, PROBLEM_CONTENT_TYPE, type Problem } from '../../lib/problem.js';

function send(reply: FastifyReply, body: Problem): FastifyReply {
  return reply.status(body.status).type(PROBLEM_CONTENT_TYPE).send(body);
}

/** `body.items.3.size` reads better for a client than zod's array of keys. */
function validationErrors(error: FastifyError & { validation: { instancePath: string; message?: string; params?: unknown }[] }) {
  const where = error.validationContext ?? 'body';
  return error.validation.map((issue) => {
    const path = issue.instancePath.replace(/^\//, '').replace(/\//g, '.');
    return { path: path ? `${where}.${path}` : where, message: issue.message ?? 'is invalid' };
  });
}

/** Maps every error to problem+json; unexpected ones become a bare 500 (the log keeps the details). */
export function toProblem(error: FastifyError, request: FastifyRequest): Problem {
  if (error instanceof HttpProblem) return error.problem;
  // A dependency call that found no slot in time: shed, like a request past the in-flight bound.
  if (error instanceof DependencyBusyError) return problem('overloaded', 'The service is busy; try again after Retry-After seconds');
  // Before the status checks below: an AWS throttling error carries a 4xx status of its own.
  if (isDependencyOutage(error)) {
    return problem('dependencyUnavailable', 'A service we depend on is not answering; try again after Retry-After seconds');
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const errors = validationErrors(error);
    return problem('validation', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return problem('malformedJson', error.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem('unsupportedMediaType', `Content-Type ${request.headers['content-type'] ?? '(none)'} is not supported here; send application/json`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem('payloadTooLarge', error.message);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return problem('validation', error.message);
  }
  if (error instanceof SyntaxError && error.statusCode === 400) return problem('malformedJson', error.message);
  const status = error.statusCode ?? 500;
  if (status === 429) return problem('tooManyRequests', error.message);
  if (status >= 400 && status < 500 && !isResponseSerializationError(error)) {
    return { ...problem('validation', error.message), status, title: error.name === 'Error' ? 'Bad request' : error.name };
  }
  return problem('internal', `Something went wrong on our side; quote request id ${request.id} if you contact us.`, {
    instance: `urn:request:${request.id}`,
  });
}

const outageType = problem('dependencyUnavailable').type;
/** Retry-After when the app has no config (apps built without the aws plugin, in tests). */
const DEFAULT_RETRY_AFTER_SECONDS = 2;

export default fp(
  async function problems(app: FastifyInstance) {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      const body = toProblem(error, request);
      if (error instanceof HttpProblem) reply.headers(error.headers);
      if (error instanceof DependencyBusyError) {
        reply.header('retry-after', String(error.retryAfterSeconds));
        // No stack per shed request: under overload the log must not add to the load.
        request.log.warn({ dependency: error.dependency, reason: error.reason }, 'request shed: dependency busy');
      } else if (body.type === outageType || (error instanceof HttpProblem && body.status === 503)) {
        // A problem that says when to come back (HttpProblem headers) keeps its own Retry-After.
        if (!reply.hasHeader('retry-after')) reply.header('retry-after', String(app.config?.overload.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS));
        // One line without a stack: during an outage every request fails the same way, and the stack
        // (SDK internals) says nothing the error's name and code do not.
        const { name, code, message } = error as FastifyError & { code?: string };
        request.log.warn(
          { error: { name, code, message }, problem: body.type },
          body.type === outageType ? 'request failed: dependency unavailable' : 'request refused: unavailable',
        );
      } else if (body.status >= 500) request.log.error({ err: error }, 'request failed');
      else request.log.info({ status: body.status, problem: body.type }, 'request refused');
      return send(reply, body);
    });

    app.setNotFoundHandler((request, reply) =>
      send(reply, problem('notFound', `No route ${request.method} ${request.url.split('?')[0]}`)),
    );
  },
  { name: 'problems' },
);
