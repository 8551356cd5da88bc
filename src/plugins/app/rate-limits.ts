import rateLimit from '@fastify/rate-limit';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AppConfig } from '../../config.js';
import { incrementCounter } from '../../data/rate-limit-counters.js';
import { emailDigest } from '../../data/keys.js';
import { fixedWindow, WindowCounter } from '../../lib/fixed-window.js';
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
 * - `app.userRateLimit`: an onRequest hook counting each signed-in user's requests in this process's memory
 *   (no I/O: the hot reads stay one DynamoDB call). Add it after `app.authenticate`.
 * - `app.uploadRateLimit`: an onRequest hook counting each signed-in user's upload batches in DynamoDB,
 *   shared by every instance (the ALB spreads one phone's batches over every task). After `app.authenticate`.
 * Both refuse with a 429 problem+json and Retry-After; unconfigured (tests, local) they let everything through.
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
    /** Per-user limit of authenticated routes, per instance (a hook after app.authenticate). */
    userRateLimit: RateLimitHook;
    /** Per-user limit of upload batches, shared across instances through DynamoDB (a hook after app.authenticate). */
    uploadRateLimit: RateLimitHook;
  }
}

export const EMAIL_WINDOW_SECONDS = 15 * 60;
const SCOPE_PATTERN = /^[a-z0-9-]{1,40}$/;

/** What the counter is keyed on: the table never holds the address itself. */
export const emailSubject = emailDigest;

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

export const USER_WINDOW_SECONDS = 60;

/** The signed-in user's id; a limiter placed before app.authenticate is a wiring bug, not a client's. */
function signedInUser(request: FastifyRequest): string {
  const userId = (request.user as { userId?: string } | null)?.userId;
  if (!userId) throw new Error('a per-user rate limit runs after app.authenticate');
  return userId;
}

const tooManyForAccount = (secondsLeft: number) =>
  new HttpProblem('tooManyRequests', `Too many requests for this account; try again in ${secondsLeft} s`, {}, { 'retry-after': String(secondsLeft) });

export interface UserRateLimitOptions {
  /** Requests allowed per user and window; undefined lets everything through. */
  max: number | undefined;
  windowSeconds?: number;
  /** Epoch milliseconds; tests move time with it. */
  now?: () => number;
}

/** Per user in this process's memory (fixed windows): each instance counts on its own. */
export function createUserRateLimit(options: UserRateLimitOptions): RateLimitHook {
  const { max } = options;
  if (max === undefined) return async () => undefined;
  const counter = new WindowCounter(options.windowSeconds ?? USER_WINDOW_SECONDS);
  const now = options.now ?? Date.now;
  return async (request) => {
    const { count, window } = counter.hit(signedInUser(request), now());
    if (count > max) throw tooManyForAccount(window.secondsLeft);
  };
}

export interface SharedUserRateLimitOptions extends UserRateLimitOptions {
  dynamo: DynamoDBDocumentClient;
  table: string;
  /** Counter scope (a-z, 0-9, -). */
  scope: string;
}

/**
 * Per user in DynamoDB (one atomic ADD per counted request), shared by every instance. Once a user is
 * over the limit, this instance refuses them until the window ends without writing again: a flood
 * past the limit costs no DynamoDB call. DynamoDB errors propagate (fail closed).
 */
export function createSharedUserRateLimit(options: SharedUserRateLimitOptions): RateLimitHook {
  const { dynamo, table, scope, max } = options;
  if (!SCOPE_PATTERN.test(scope)) throw new Error(`rate limit scope must match ${SCOPE_PATTERN}, not ${JSON.stringify(scope)}`);
  if (max === undefined) return async () => undefined;
  const windowSeconds = options.windowSeconds ?? USER_WINDOW_SECONDS;
  const now = options.now ?? Date.now;
  let refused = { windowStart: Number.NaN, users: new Set<string>() };
  return async (request) => {
    const userId = signedInUser(request);
    const window = fixedWindow(now(), windowSeconds);
    if (refused.windowStart !== window.start) refused = { windowStart: window.start, users: new Set() };
    if (refused.users.has(userId)) throw tooManyForAccount(window.secondsLeft);
    const count = await incrementCounter(dynamo, table, scope, userId, window);
    if (count > max) {
      refused.users.add(userId);
      throw tooManyForAccount(window.secondsLeft);
    }
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
    app.decorate('userRateLimit', createUserRateLimit({ max: limits.userPerMinute, now: options.now }));
    app.decorate(
      'uploadRateLimit',
      createSharedUserRateLimit({ dynamo: app.aws.dynamo, table: app.resources.table, scope: 'upload-batches', max: limits.uploadBatchesPerMinute, now: options.now }),
    );
  },
  { name: 'rate-limits', dependencies: ['aws'] },
);
