import type { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * Per-dependency bounds on AWS calls (docs/architecture.md, "Overload").
 *
 * Without them a process past capacity queues calls without limit inside the SDK's http agent, where
 * nothing has a deadline: they wait for a socket until their request timeout and surface as 500s
 * seconds later. Here each client gets at most `maxConcurrent` calls on the wire (its agent's
 * `maxSockets`, so the agent itself never queues), at most `maxQueued` calls waiting for a slot, and
 * each waits at most `maxWaitMs`. A call refused either way fails at once with DependencyBusyError,
 * which the error handler answers as 503 problem+json with Retry-After: shed load, retried by clients.
 */

export type BusyReason = 'queue-full' | 'wait-expired';

/** A call that could not get a slot of its dependency in time. Not retried by the SDK (no retryable trait). */
export class DependencyBusyError extends Error {
  constructor(
    readonly dependency: string,
    readonly reason: BusyReason,
    /** What Retry-After tells the client. */
    readonly retryAfterSeconds: number,
  ) {
    super(reason === 'queue-full' ? `${dependency}: too many calls waiting` : `${dependency}: no free slot in time`);
    this.name = 'DependencyBusyError';
  }
}

export interface ConcurrencyLimitOptions {
  /** The dependency, as errors and logs name it. */
  name: string;
  maxConcurrent: number;
  /** Calls allowed to wait for a slot; 0 refuses every call that finds no free slot. */
  maxQueued: number;
  /** How long a call may wait for a slot. */
  maxWaitMs: number;
  retryAfterSeconds: number;
}

export interface LimitStats {
  active: number;
  queued: number;
  /** Refused since the start: queue full / wait expired. */
  refused: Record<BusyReason, number>;
}

/** Gives the slot back; calling it again does nothing. */
export type Release = () => void;

interface Waiter {
  grant(release: Release): void;
  fail(error: unknown): void;
}

/**
 * A counting semaphore with a bounded FIFO of waiters, each with a deadline. A released slot goes
 * straight to the oldest waiter, so a waiter never loses its turn to a newcomer.
 */
export class ConcurrencyLimit {
  readonly name: string;
  readonly maxConcurrent: number;
  readonly maxQueued: number;
  readonly maxWaitMs: number;
  readonly retryAfterSeconds: number;
  #active = 0;
  // A Set keeps insertion order (FIFO) and removes an expired or aborted waiter in O(1).
  readonly #waiters = new Set<Waiter>();
  readonly #refused: Record<BusyReason, number> = { 'queue-full': 0, 'wait-expired': 0 };

  constructor(options: ConcurrencyLimitOptions) {
    for (const key of ['maxConcurrent', 'maxQueued', 'maxWaitMs', 'retryAfterSeconds'] as const) {
      const value = options[key];
      if (!Number.isInteger(value) || value < (key === 'maxConcurrent' ? 1 : 0)) throw new RangeError(`${options.name}: ${key} must be a whole number${key === 'maxConcurrent' ? ' of at least 1' : ''}`);
    }
    this.name = options.name;
    this.maxConcurrent = options.maxConcurrent;
    this.maxQueued = options.maxQueued;
    this.maxWaitMs = options.maxWaitMs;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  stats(): LimitStats {
    return { active: this.#active, queued: this.#waiters.size, refused: { ...this.#refused } };
  }

  /** A slot now, or undefined when all are taken (no waiting). */
  tryAcquire(): Release | undefined {
    if (this.#active >= this.maxConcurrent) return undefined;
    this.#active++;
    return this.#releaser();
  }

  /**
   * A slot, waiting in line for at most maxWaitMs. Rejects with DependencyBusyError when the line is
   * full or the wait runs out, and with the signal's reason when the caller gives up first.
   */
  acquire(signal?: AbortSignal): Promise<Release> {
    const release = this.tryAcquire();
    if (release) return Promise.resolve(release);
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.#waiters.size >= this.maxQueued) return Promise.reject(this.#refuse('queue-full'));
    return new Promise<Release>((resolve, reject) => {
      const onAbort = () => waiter.fail(abortReason(signal!));
      const timer = setTimeout(() => waiter.fail(this.#refuse('wait-expired')), this.maxWaitMs);
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#waiters.delete(waiter);
      };
      const waiter: Waiter = {
        grant: (granted) => {
          settle();
          resolve(granted);
        },
        fail: (error) => {
          settle();
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(waiter);
    });
  }

  #releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.values().next();
      // The slot passes to the oldest waiter as it is: active stays the same.
      if (!next.done) next.value.grant(this.#releaser());
      else this.#active--;
    };
  }

  #refuse(reason: BusyReason): DependencyBusyError {
    this.#refused[reason]++;
    return new DependencyBusyError(this.name, reason, this.retryAfterSeconds);
  }
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? Object.assign(new Error('Request aborted'), { name: 'AbortError' });
}

type HandleArgs = Parameters<NodeHttpHandler['handle']>;
type Handled = Awaited<ReturnType<NodeHttpHandler['handle']>>;

/**
 * The SDK's request handler with a slot per call on the wire: taken before the request goes out
 * (each retry takes its own) and given back once the response body is consumed or the call failed,
 * which is when the agent's socket is free again.
 */
export class LimitedHttpHandler {
  constructor(
    private readonly inner: NodeHttpHandler,
    readonly limit: ConcurrencyLimit,
  ) {}

  get metadata(): NodeHttpHandler['metadata'] {
    return this.inner.metadata;
  }

  async handle(request: HandleArgs[0], options?: HandleArgs[1]): Promise<Handled> {
    const release = this.limit.tryAcquire() ?? (await this.limit.acquire(options?.abortSignal as AbortSignal | undefined));
    let handled: Handled;
    try {
      handled = await this.inner.handle(request, options);
    } catch (error) {
      release();
      throw error;
    }
    const body = handled.response.body as { once?: (event: string, listener: () => void) => unknown; destroyed?: boolean } | undefined;
    // An http.IncomingMessage emits 'close' once it has been read to the end or destroyed.
    if (body && typeof body.once === 'function' && body.destroyed !== true) body.once('close', release);
    else release();
    return handled;
  }

  destroy(): void {
    this.inner.destroy();
  }

  updateHttpClientConfig(...args: Parameters<NodeHttpHandler['updateHttpClientConfig']>): void {
    this.inner.updateHttpClientConfig(...args);
  }

  httpHandlerConfigs(): ReturnType<NodeHttpHandler['httpHandlerConfigs']> {
    return this.inner.httpHandlerConfigs();
  }
}

/** The limit of a client built by src/aws (for stats and tests); undefined for a client built elsewhere. */
export function clientLimit(client: { config: { requestHandler?: unknown } }): ConcurrencyLimit | undefined {
  const handler = client.config.requestHandler;
  return handler instanceof LimitedHttpHandler ? handler.limit : undefined;
}
