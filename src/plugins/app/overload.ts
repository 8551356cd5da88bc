import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { clientLimit, type LimitStats } from '../../aws/limits.js';
import { problem, PROBLEM_CONTENT_TYPE } from '../../lib/problem.js';

/**
 * The per-process bound on requests in progress (docs/architecture.md, "Overload").
 *
 * A counter in the HTTP server's own request listener, ahead of Fastify: past `maxInFlight`, a request
 * is answered 503 problem+json with Retry-After from prebuilt headers and body, before routing, hooks,
 * body parsing, token checks or any dependency call: the cheapest answer short of refusing the
 * connection (which clients see as an error). It decides per request on arrival, unlike an
 * event-loop-delay sample (@fastify/under-pressure), which reacts once the latency is already there
 * and then sheds everything for a whole sample interval. By Little's law the bound also caps the
 * queueing delay of what is served: maxInFlight / throughput.
 * The per-dependency bounds (src/aws/limits.ts) shed the requests that got in but whose AWS call
 * finds no slot in time; their DependencyBusyError becomes a 503 of the same type in the error handler.
 */

export interface OverloadOptions {
  maxInFlight: number;
  retryAfterSeconds: number;
  /** Paths neither counted nor shed: the health probes. */
  exempt: readonly string[];
  /** Origins whose browsers get CORS headers on a shed answer too (so they can read Retry-After). */
  corsOrigins: readonly string[];
}

export interface OverloadStats {
  inFlight: number;
  maxInFlight: number;
  /** Requests answered 503 by this bound since the start. */
  shed: number;
  /** Per AWS client: calls on the wire, waiting, refused. */
  dependencies: Record<string, LimitStats>;
}

export const OVERLOAD_DETAIL = 'The service is busy; try again after Retry-After seconds';

type RequestListener = (request: http.IncomingMessage, response: http.ServerResponse) => void;

/** Counts requests in progress and answers those past the bound itself. */
export class InFlightBound {
  inFlight = 0;
  shed = 0;
  readonly maxInFlight: number;
  readonly #exempt: Set<string>;
  readonly #corsOrigins: Set<string>;
  readonly #anyOrigin: boolean;
  readonly #body: Buffer;
  readonly #headers: Record<string, string | number>;
  // One shared listener: a response emits 'close' once, when it is sent or its connection dies.
  readonly #leave = () => {
    this.inFlight--;
  };

  constructor(options: OverloadOptions) {
    this.maxInFlight = options.maxInFlight;
    this.#exempt = new Set(options.exempt);
    this.#corsOrigins = new Set(options.corsOrigins);
    this.#anyOrigin = this.#corsOrigins.has('*');
    this.#body = Buffer.from(JSON.stringify(problem('overloaded', OVERLOAD_DETAIL)));
    this.#headers = {
      'content-type': `${PROBLEM_CONTENT_TYPE}; charset=utf-8`,
      'content-length': this.#body.length,
      'retry-after': String(options.retryAfterSeconds),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    };
  }

  /** Fastify's request listener behind the bound. */
  wrap(next: RequestListener): RequestListener {
    return (request, response) => {
      if (this.#counts(request)) {
        if (this.inFlight >= this.maxInFlight) return this.#refuse(request, response);
        this.inFlight++;
        response.once('close', this.#leave);
      }
      next(request, response);
    };
  }

  #counts(request: http.IncomingMessage): boolean {
    // Preflights stay cheap and answered, or the browser cannot even read the 503 that may follow.
    if (request.method === 'OPTIONS') return false;
    const url = request.url ?? '';
    const query = url.indexOf('?');
    return !this.#exempt.has(query < 0 ? url : url.slice(0, query));
  }

  #refuse(request: http.IncomingMessage, response: http.ServerResponse): void {
    this.shed++;
    const origin = request.headers.origin;
    if (origin !== undefined && (this.#anyOrigin || this.#corsOrigins.has(origin))) {
      response.writeHead(503, {
        ...this.#headers,
        'access-control-allow-origin': this.#anyOrigin ? '*' : origin,
        'access-control-expose-headers': 'retry-after',
        vary: 'Origin',
      });
    } else {
      response.writeHead(503, this.#headers);
    }
    // The request's body (if any) is not read; Node discards it and keeps the connection for the next one.
    response.end(this.#body);
  }
}

/** What Fastify passes a serverFactory: its own defaults already applied. */
interface ServerSettings {
  keepAliveTimeout?: number;
  requestTimeout?: number;
  connectionTimeout?: number;
  maxRequestsPerSocket?: number;
}

/**
 * The HTTP server Fastify would build (same timeouts), with the bound in front of its listener.
 * Connections are held, never capped: no maxConnections (Node would destroy sockets past it, a
 * connection error where a 503 is an answer); the open-file limit is what caps them (MIN_OPEN_FILES).
 */
export function boundedServer(bound: InFlightBound, listener: RequestListener, settings: ServerSettings): http.Server {
  const server = http.createServer(bound.wrap(listener));
  if (settings.keepAliveTimeout) server.keepAliveTimeout = settings.keepAliveTimeout;
  server.requestTimeout = settings.requestTimeout ?? 0;
  server.setTimeout(settings.connectionTimeout ?? 0);
  if (settings.maxRequestsPerSocket) server.maxRequestsPerSocket = settings.maxRequestsPerSocket;
  return server;
}

declare module 'fastify' {
  interface FastifyInstance {
    overload: { stats(): OverloadStats };
  }
}

const SUMMARY_EVERY_MS = 10_000;

/** `app.overload.stats()`, and a log line every 10 s in which something was shed (none per request). */
export default fp(
  async function overload(app: FastifyInstance, options: { bound: InFlightBound; summaryEveryMs?: number }) {
    const { bound } = options;
    const stats = (): OverloadStats => {
      const dependencies: Record<string, LimitStats> = {};
      for (const [name, client] of Object.entries(app.aws)) {
        const limit = clientLimit(client as { config: { requestHandler?: unknown } });
        if (limit) dependencies[name] = limit.stats();
      }
      return { inFlight: bound.inFlight, maxInFlight: bound.maxInFlight, shed: bound.shed, dependencies };
    };
    app.decorate('overload', { stats });

    const every = options.summaryEveryMs ?? SUMMARY_EVERY_MS;
    let reported = { shed: bound.shed, refused: 0 };
    const timer = setInterval(() => {
      const now = stats();
      const refused = Object.values(now.dependencies).reduce((sum, d) => sum + d.refused['queue-full'] + d.refused['wait-expired'], 0);
      if (now.shed === reported.shed && refused === reported.refused) return;
      app.log.warn(
        { shed: now.shed - reported.shed, dependencyRefused: refused - reported.refused, inFlight: now.inFlight, dependencies: now.dependencies },
        'overload: requests shed with 503',
      );
      reported = { shed: now.shed, refused };
    }, every);
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));
  },
  { name: 'overload', dependencies: ['aws'] },
);

/** Open files the process may have (its soft RLIMIT_NOFILE), from /proc; undefined off Linux. */
export function openFileLimit(limitsFile = '/proc/self/limits'): number | undefined {
  try {
    const line = readFileSync(limitsFile, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    if (soft === 'unlimited') return Number.POSITIVE_INFINITY;
    const value = Number(soft);
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Every open connection holds a file descriptor, as do AWS sockets, decoder pipes and photo files:
 * 10,000 connections need somewhat more than 10,000. Fargate's default soft and hard limit is 65535.
 */
export const MIN_OPEN_FILES = 16_384;
