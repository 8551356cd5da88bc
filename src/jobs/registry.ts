import type { FastifyBaseLogger } from 'fastify';
import type { ZodType } from 'zod';

export interface JobContext {
  /** The envelope id: deterministic when the producer passed one, so it can key runOnce(). */
  jobId: string;
  type: string;
  /** 1 on the first delivery; SQS moves the message to the DLQ after MAX_RECEIVES. */
  receiveCount: number;
  log: FastifyBaseLogger;
  /** Aborted when the job's timeout passes or the pool's stop timeout runs out. */
  signal: AbortSignal;
}

export type JobHandler<P> = (payload: P, ctx: JobContext) => Promise<void>;

export interface JobOptions<P> {
  /**
   * Validates the payload before the handler sees it. A payload that fails is a poison message:
   * retrying cannot fix it, so the pool logs it, never runs the handler, and makes the message
   * visible again at once, so it reaches the DLQ after MAX_RECEIVES quick receives
   * (where it can be inspected and redriven once the producer or schema is fixed).
   */
  schema?: ZodType<P>;
  /** The handler's signal aborts after this long and the attempt counts as failed. */
  timeoutSeconds?: number;
}

export interface RegisteredJob {
  type: string;
  handler: JobHandler<unknown>;
  schema?: ZodType<unknown>;
  timeoutSeconds?: number;
}

export class DuplicateJobTypeError extends Error {
  constructor(readonly type: string) {
    super(`job type "${type}" is already registered`);
    this.name = 'DuplicateJobTypeError';
  }
}

/** Job types and their handlers; features register theirs while the app is being built. */
export class JobRegistry {
  readonly #jobs = new Map<string, RegisteredJob>();

  register<P>(type: string, handler: JobHandler<P>, options: JobOptions<P> = {}): void {
    if (type.length === 0) throw new TypeError('job type must not be empty');
    // Two handlers for one type would make which one runs depend on registration order.
    if (this.#jobs.has(type)) throw new DuplicateJobTypeError(type);
    if (options.timeoutSeconds !== undefined && !(options.timeoutSeconds > 0)) {
      throw new RangeError(`timeoutSeconds for "${type}" must be positive`);
    }
    this.#jobs.set(type, {
      type,
      handler: handler as JobHandler<unknown>,
      schema: options.schema,
      timeoutSeconds: options.timeoutSeconds,
    });
  }

  get(type: string): RegisteredJob | undefined {
    return this.#jobs.get(type);
  }

  has(type: string): boolean {
    return this.#jobs.has(type);
  }

  types(): string[] {
    return [...this.#jobs.keys()];
  }
}
