import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AppConfig } from '../../config.js';
import { incrementCounter } from '../../data/rate-limit-counters.js';
import { fixedWindow } from '../../lib/fixed-window.js';
import { HttpProblem } from '../../lib/problem.js';

/**
 * Rate limits for the auth routes (docs/security.md):
 *
 * - `app.authRateLimit`: an onRequest hook counting requests per client IP (`request.ip`, so the real
 *   client behind TRUST_PROXY hops) across every route that uses it, in this process's memory.
 *   Put it on each auth route (`onRequest: app.authRateLimit`) or, simpler, once in the auth routes
 *   plugin (`app.addHook('onRequest', app.authRateLimit)`). It is one limiter: all those routes share
 *   each IP's budget of RATE_LIMIT_AUTH_IP_PER_MINUTE.
 * - `app.emailRateLimit.consume(scope, email)`: counts one attempt for (scope, email) in DynamoDB,
 *   shared by every instance; throws a 429 HttpProblem once RATE_LIMIT_AUTH_EMAIL_PER_15_MINUTES is
 *   passed. Call it before looking the account up, for every well-formed request, so the answer is
 *   the same whether or not the account exists.
 */

export type RateLimitHook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

export interface EmailRateLimit {
  /**
   * Counts one attempt for `email` (trimmed, lowercased, hashed) under `scope` (a short token such as
   * `login`; each scope has its own budget) and throws HttpProblem 429 with Retry-After when the
   * attempt is over the limit. DynamoDB errors propagate (fail closed).
   */
  consume(scope: string, email: string): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Per-IP limit of the auth routes (onRequest hook); see src/plugins/app/rate-limits.ts. */
    authRateLimit: RateLimitHook;
    /** Per-email attempt limit, shared across instances through DynamoDB. */
    emailRateLimit: EmailRateLimit;
  }
}

export const EMAIL_WINDOW_SECONDS = 15 * 60;
const SCOPE_PATTERN = /^[a-z0-9-]{1,40}$/;

/** What the counter is keyed on: the table never holds the address itself. */
export function emailSubject(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
}

export interface EmailRateLimitOptions {
  dynamo: DynamoDBDocumentClient;
  table: string;
  /** Attempts allowed per (scope, email) and window. */
  max: number;
  windowSeconds?: number;
  /** Epoch milliseconds; tests move time with it. */
  now?: () => number;
}

export function createEmailRateLimit(options: EmailRateLimitOptions): EmailRateLimit {
  const { dynamo, table, max } = options;
  const windowSeconds = options.windowSeconds ?? EMAIL_WINDOW_SECONDS;
  const now = options.now ?? Date.now;
  return {
    async consume(scope, email) {
      if (!SCOPE_PATTERN.test(scope)) throw new Error(`rate limit scope must match ${SCOPE_PATTERN}, not ${JSON.stringify(scope)}`);
      const window = fixedWindow(now(), windowSeconds);
      const attempts = await incrementCounter(dynamo, table, scope, emailSubject(email), window);
      if (attempts > max) {
        throw new HttpProblem('tooManyRequests', 'Too many attempts for this account; try again later', {}, { 'retry-after': String(window.secondsLeft) });
      }
    },
  };
}

export interface RateLimitsOptions {
  config: AppConfig;
  /** Epoch milliseconds for the per-email windows; tests move time with it. */
  now?: () => number;
}

export default fp(
  async function rateLimits(app: FastifyInstance, options: RateLimitsOptions) {
    const limits = options.config.rateLimits;

    // Only routes that opt in are limited. A 429 becomes our problem+json (the error handler renders
    // the HttpProblem); the plugin itself sets x-ratelimit-limit/-remaining/-reset and retry-after.
    await app.register(rateLimit, {
      global: false,
      errorResponseBuilder: (_request, context) =>
        new HttpProblem(
          'tooManyRequests',
          `Too many requests from your address; try again in ${context.after}`,
          {},
          { 'retry-after': String(Math.max(1, Math.ceil(context.ttl / 1000))) },
        ),
    });

    // One limiter (one in-memory store) for every auth route, keyed by request.ip (IPv6 per /64).
    const perIp = app.rateLimit({ max: limits.authPerIpPerMinute, timeWindow: '1 minute', cache: 10_000 });
    const authRateLimit: RateLimitHook = async (request, reply) => {
      await perIp.call(app, request, reply);
    };
    app.decorate('authRateLimit', authRateLimit);

    app.decorate(
      'emailRateLimit',
      createEmailRateLimit({ dynamo: app.aws.dynamo, table: app.resources.table, max: limits.authPerEmailPer15Minutes, now: options.now }),
    );
  },
  { name: 'rate-limits', dependencies: ['aws'] },
);
