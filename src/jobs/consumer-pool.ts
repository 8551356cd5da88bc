import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { FastifyBaseLogger } from 'fastify';
import { isDependencyOutage } from '../aws/client-options.js';
import { longPollTimeoutMs } from '../aws/sqs.js';
import { parseEnvelope } from './job-queue.js';
import { MAX_RECEIVES, RETRY_BASE_MS, RETRY_MAX_SECONDS } from './queue-policy.js';
import type { JobRegistry } from './registry.js';

export interface ConsumerPoolOptions {
  sqs: SQSClient;
  queueUrl: string;
  registry: JobRegistry;
  log: FastifyBaseLogger;
  /** Parallel workers, each handling one message at a time; 0 turns the pool off. */
  concurrency: number;
  /** Long-poll duration (0..20); capped below stopTimeoutMs, since stop() lets a running poll finish. */
  waitSeconds: number;
  /** Visibility taken on receive and renewed by a heartbeat every half of it while a handler runs. */
  visibilitySeconds: number;
  /**
   * A failed job is retried after min(retryBaseMs * 2^(receiveCount-1), retryMaxSeconds), rounded to whole seconds
   * (defaults: src/jobs/queue-policy.ts).
   */
  retryBaseMs?: number;
  retryMaxSeconds?: number;
  /** How long stop() lets in-flight jobs and long polls finish before aborting them. */
  stopTimeoutMs?: number;
}

export class JobTimeoutError extends Error {
  constructor(readonly type: string, readonly timeoutSeconds: number) {
    super(`job ${type} ran longer than ${timeoutSeconds} s`);
    this.name = 'JobTimeoutError';
  }
}

/** SQS takes whole seconds; sub-second delays round to 0 (visible again at once). */
export function retryDelaySeconds(receiveCount: number, baseMs = RETRY_BASE_MS, maxSeconds = RETRY_MAX_SECONDS): number {
  return Math.min(maxSeconds, Math.round((baseMs * 2 ** Math.max(0, receiveCount - 1)) / 1000));
}

const RECEIVE_BACKOFF_MIN_MS = 1000;
const RECEIVE_BACKOFF_MAX_MS = 30_000;

/**
 * How long a worker waits after its `failures`-th receive error in a row: doubling from 1 s up to 30 s, each
 * drawn at random from the upper half of its step, so the workers of every instance, which all met the same
 * outage at the same moment, do not come back to the queue in lockstep when it recovers.
 */
export function receiveBackoffMs(failures: number, random: () => number = Math.random): number {
  const step = Math.min(RECEIVE_BACKOFF_MAX_MS, RECEIVE_BACKOFF_MIN_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

/**
 * The long poll a pool makes: stop() waits for running polls rather than aborting them (a message SQS
 * handed to an aborted poll would stay invisible for its whole visibility timeout), so a poll must end
 * well within the stop budget, one second of margin.
 */
export function pollSeconds(waitSeconds: number, stopTimeoutMs: number): number {
  return Math.max(0, Math.min(waitSeconds, Math.floor(stopTimeoutMs / 1000) - 1));
}
/**
 * After a job's signal is aborted (its timeout, or the stop timeout), how long its handler gets to honour it:
 * the message goes back to the queue only once the handler settled (or this passed), so a retry never runs
 * beside the attempt it replaces.
 */
export const ABORT_GRACE_MS = 2000;

interface InFlight {
  abort: AbortController;
  stopHeartbeat(): void;
}

/**
 * Long-polling SQS workers that run registered handlers. Delivery is at least once: a handler may
 * see a job again (after a crash, an expired visibility, a duplicate send), so effects that must
 * not repeat go through runOnce(). Failures are never deleted: the message becomes visible again
 * after a backoff and the queue's redrive policy moves it to the DLQ after MAX_RECEIVES receives.
 */
export class ConsumerPool {
  readonly #o: Required<ConsumerPoolOptions>;
  #state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  /** Wakes workers sleeping between polls when stop() begins. */
  #wake = new AbortController();
  /** Aborts running polls: only once stopTimeoutMs has passed (SQS silent), never at the start of stop(). */
  #polls = new AbortController();
  #workers: Promise<void>[] = [];
  readonly #inFlight = new Set<InFlight>();
  #stopped?: Promise<void>;

  constructor(options: ConsumerPoolOptions) {
    this.#o = {
      ...options,
      retryBaseMs: options.retryBaseMs ?? RETRY_BASE_MS,
      retryMaxSeconds: options.retryMaxSeconds ?? RETRY_MAX_SECONDS,
      stopTimeoutMs: options.stopTimeoutMs ?? 30_000,
    };
  }

  get running(): boolean {
    return this.#state === 'running';
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  get #pollSeconds(): number {
    return pollSeconds(this.#o.waitSeconds, this.#o.stopTimeoutMs);
  }

  start(): void {
    if (this.#state !== 'idle') return;
    this.#state = 'running';
    const { concurrency, visibilitySeconds, log } = this.#o;
    if (concurrency <= 0) {
      log.info('job workers disabled (concurrency 0)');
      return;
    }
    this.#workers = Array.from({ length: concurrency }, () => this.#work());
    log.info({ concurrency, waitSeconds: this.#pollSeconds, visibilitySeconds }, 'job workers started');
  }

  /**
   * Stops receiving: running polls end by themselves (what they bring is given back at once) and in-flight
   * jobs finish; once stopTimeoutMs passes, polls are aborted and jobs' signals too. Then resolves.
   */
  stop(): Promise<void> {
    if (this.#state === 'idle') this.#state = 'stopped';
    if (this.#state === 'stopped') return Promise.resolve();
    this.#stopped ??= this.#shutdown();
    return this.#stopped;
  }

  async #shutdown(): Promise<void> {
    this.#state = 'stopping';
    this.#wake.abort();
    const workers = Promise.allSettled(this.#workers);
    if (!(await settlesWithin(workers, this.#o.stopTimeoutMs))) {
      this.#o.log.warn({ inFlight: this.#inFlight.size }, 'stop timeout passed: aborting in-flight jobs and polls');
      // A poll still running now waits on a silent SQS: what it may have claimed reappears after its visibility.
      this.#polls.abort();
      for (const job of this.#inFlight) job.abort.abort(new Error('consumer pool stopping'));
      // Each worker waits up to ABORT_GRACE_MS for its handler, then gives its message back.
      if (!(await settlesWithin(workers, ABORT_GRACE_MS + 1000))) {
        // Not deleted, so SQS delivers them again once their visibility runs out.
        this.#o.log.error({ inFlight: this.#inFlight.size }, 'jobs ignored the abort: abandoning them');
        for (const job of this.#inFlight) job.stopHeartbeat();
      }
    }
    this.#state = 'stopped';
    this.#o.log.info('job workers stopped');
  }

  async #work(): Promise<void> {
    const { sqs, queueUrl, visibilitySeconds, log } = this.#o;
    const waitSeconds = this.#pollSeconds;
    let failures = 0;
    while (this.#state === 'running') {
      let messages: Message[];
      try {
        const response = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            // One per worker: a message never waits in memory, invisible and without a heartbeat.
            MaxNumberOfMessages: 1,
            WaitTimeSeconds: waitSeconds,
            VisibilityTimeout: visibilitySeconds,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          }),
          // Not the stop signal: see pollSeconds().
          { abortSignal: this.#polls.signal, requestTimeout: longPollTimeoutMs(waitSeconds) },
        );
        messages = response.Messages ?? [];
        failures = 0;
      } catch (error) {
        if (this.#state !== 'running') break;
        const retryInMs = receiveBackoffMs(++failures);
        // An outage is logged once per back-off step without its stack: with 30 s steps, a few lines a minute.
        if (isDependencyOutage(error)) {
          const { name, code, message } = error as { name?: string; code?: string; message?: string };
          log.warn({ error: { name, code, message }, failures, retryInMs }, 'job queue receive failed: SQS unavailable');
        } else log.error({ err: error, failures, retryInMs }, 'job queue receive failed');
        await sleep(retryInMs, this.#wake.signal);
        continue;
      }
      // A short poll that found nothing would otherwise spin.
      if (messages.length === 0 && waitSeconds === 0) await sleep(1000, this.#wake.signal);
      for (const message of messages) {
        // Received while stop() was running: hand it straight back to other consumers.
        if (this.#state === 'running') await this.#process(message);
        else await this.#setVisibility(message, 0, 'release');
      }
    }
  }

  async #process(message: Message): Promise<void> {
    const { registry, log, retryBaseMs, retryMaxSeconds } = this.#o;
    const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? 1);
    const final = receiveCount >= MAX_RECEIVES;
    const envelope = parseEnvelope(message.Body);
    if (!envelope) {
      log.error({ messageId: message.MessageId, receiveCount }, 'job message is not a job envelope: leaving it for the DLQ');
      await this.#setVisibility(message, 0, 'poison');
      return;
    }
    // Payload never logged: it may hold addresses or tokens.
    const jobLog = log.child({ jobId: envelope.id, type: envelope.type, receiveCount });
    const job = registry.get(envelope.type);
    if (!job) {
      // Backoff rather than immediate redrive: during a rolling deploy a newer instance may know the type.
      jobLog.error('no handler registered for job type');
      await this.#setVisibility(message, final ? 0 : retryDelaySeconds(receiveCount, retryBaseMs, retryMaxSeconds), 'unknown type');
      return;
    }
    let payload = envelope.payload;
    if (job.schema) {
      const parsed = job.schema.safeParse(payload);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), code: issue.code }));
        jobLog.error({ issues }, 'job payload is invalid: leaving it for the DLQ');
        await this.#setVisibility(message, 0, 'poison');
        return;
      }
      payload = parsed.data;
    }

    const abort = new AbortController();
    let beat: Promise<void> = Promise.resolve();
    const heartbeat = setInterval(() => {
      beat = this.#setVisibility(message, this.#o.visibilitySeconds, 'heartbeat');
    }, Math.max(250, (this.#o.visibilitySeconds * 1000) / 2));
    const entry: InFlight = { abort, stopHeartbeat: () => clearInterval(heartbeat) };
    this.#inFlight.add(entry);
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const run = (async () => job.handler(payload, { jobId: envelope.id, type: envelope.type, receiveCount, log: jobLog, signal: abort.signal }))();
    run.catch(() => undefined);
    try {
      const seconds = job.timeoutSeconds;
      if (seconds === undefined) await run;
      else {
        // The handler is told through its signal; the worker then waits for it to stop (below).
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(abortWith(abort, new JobTimeoutError(envelope.type, seconds))), seconds * 1000);
        });
        await Promise.race([run, timeout]);
      }
      entry.stopHeartbeat();
      await beat;
      await this.#delete(message, jobLog);
      jobLog.info({ durationMs: Math.round(performance.now() - started) }, 'job done');
    } catch (error) {
      // Still invisible (the heartbeat runs on) while an aborted handler winds down: its decoder killed, its
      // reads cancelled. One that ignores its signal is left behind after the grace period.
      if (abort.signal.aborted && !(await settlesWithin(run.catch(() => undefined), ABORT_GRACE_MS))) {
        jobLog.error({ graceMs: ABORT_GRACE_MS }, 'job ignored its abort: releasing its message anyway');
      }
      entry.stopHeartbeat();
      await beat;
      // The last attempt goes back at once, so the next receive moves it to the DLQ without waiting;
      // a job aborted by stop() goes back at once too, for another instance to take.
      const delay = final || this.#state !== 'running' ? 0 : retryDelaySeconds(receiveCount, retryBaseMs, retryMaxSeconds);
      const durationMs = Math.round(performance.now() - started);
      jobLog.warn({ err: error, durationMs, retryInSeconds: delay, final }, 'job failed');
      await this.#setVisibility(message, delay, 'retry');
    } finally {
      clearTimeout(timer);
      this.#inFlight.delete(entry);
    }
  }

  async #delete(message: Message, log: FastifyBaseLogger): Promise<void> {
    try {
      await this.#o.sqs.send(new DeleteMessageCommand({ QueueUrl: this.#o.queueUrl, ReceiptHandle: message.ReceiptHandle }));
    } catch (error) {
      // The job ran; it will be delivered again, which idempotent handlers tolerate.
      log.error({ err: error }, 'job done but its message could not be deleted');
    }
  }

  async #setVisibility(message: Message, seconds: number, why: string): Promise<void> {
    try {
      await this.#o.sqs.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: this.#o.queueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: seconds }),
      );
    } catch (error) {
      // Harmless: the message reappears when its current visibility runs out.
      this.#o.log.warn({ err: error, messageId: message.MessageId, why }, 'could not change message visibility');
    }
  }
}

function abortWith(controller: AbortController, reason: Error): Error {
  controller.abort(reason);
  return reason;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
