import { randomUUID } from 'node:crypto';
import { SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import type { JobRegistry } from './registry.js';

/** What travels in an SQS message body. `v` lets a later format coexist with messages already queued. */
export interface JobEnvelope<P = unknown> {
  v: 1;
  id: string;
  type: string;
  payload: P;
  enqueuedAt: string;
}

const envelopeSchema = z.object({
  v: z.literal(1),
  id: z.string().min(1),
  type: z.string().min(1),
  payload: z.unknown(),
  enqueuedAt: z.string(),
});

/** The envelope in a message body, or undefined when the body is not one (garbage, other producer, newer version). */
export function parseEnvelope(body: string | undefined): JobEnvelope | undefined {
  if (body === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const parsed = envelopeSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

export interface EnqueueOptions {
  /** Pass a deterministic id (e.g. `welcome-email:<userId>`) so a handler's runOnce() makes the effect idempotent. */
  jobId?: string;
  /** 0..900, SQS's DelaySeconds. */
  delaySeconds?: number;
}

export interface BatchEntry<P = unknown> extends EnqueueOptions {
  type: string;
  payload: P;
}

export interface Enqueued {
  id: string;
  messageId: string;
}

export class EnqueueBatchError extends Error {
  constructor(readonly failed: { id: string; code?: string; message?: string }[]) {
    super(`${failed.length} job(s) could not be enqueued: ${failed.map((f) => `${f.id} (${f.code ?? 'unknown'})`).join(', ')}`);
    this.name = 'EnqueueBatchError';
  }
}

/** SQS's limits: 10 entries and 256 KiB (the sum of all bodies) per SendMessageBatch. */
const BATCH_MAX_ENTRIES = 10;
const BATCH_MAX_BYTES = 256 * 1024;
const BATCH_ATTEMPTS = 3;

export interface JobQueueOptions {
  sqs: SQSClient;
  queueUrl: string;
  /** When given, payloads of registered types with a schema are validated here, where the bug is, not in the worker. */
  registry?: JobRegistry;
  now?: () => Date;
}

export class JobQueue {
  readonly #sqs: SQSClient;
  readonly #queueUrl: string;
  readonly #registry?: JobRegistry;
  readonly #now: () => Date;

  constructor(options: JobQueueOptions) {
    this.#sqs = options.sqs;
    this.#queueUrl = options.queueUrl;
    this.#registry = options.registry;
    this.#now = options.now ?? (() => new Date());
  }

  // Arrow properties: callers may pass `queue.enqueue` around detached.
  enqueue = async <P>(type: string, payload: P, options: EnqueueOptions = {}): Promise<Enqueued> => {
    const envelope = this.#envelope(type, payload, options.jobId);
    const response = await this.#sqs.send(
      new SendMessageCommand({
        QueueUrl: this.#queueUrl,
        MessageBody: serializeEnvelope(envelope),
        DelaySeconds: options.delaySeconds,
      }),
    );
    return { id: envelope.id, messageId: response.MessageId ?? '' };
  };

  /**
   * Sends in SendMessageBatch chunks; entries SQS refuses for a transient reason (SenderFault false)
   * are sent again, twice at most. Throws EnqueueBatchError naming every job that was not sent;
   * the others were sent (a batch is not atomic), so retrying the call is safe only with
   * deterministic job ids and idempotent handlers.
   */
  enqueueBatch = async (entries: BatchEntry[]): Promise<Enqueued[]> => {
    const bodies = entries.map((entry) => {
      const envelope = this.#envelope(entry.type, entry.payload, entry.jobId);
      return { id: envelope.id, body: serializeEnvelope(envelope), delaySeconds: entry.delaySeconds };
    });
    const sent: Enqueued[] = [];
    const failed: { id: string; code?: string; message?: string }[] = [];
    for (const chunk of chunks(bodies)) {
      let pending = chunk;
      for (let attempt = 1; pending.length > 0; attempt++) {
        // Entry ids must be unique within a request and match [A-Za-z0-9_-]{1,80}: job ids may not.
        const response = await this.#sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: this.#queueUrl,
            Entries: pending.map((item, index) => ({ Id: String(index), MessageBody: item.body, DelaySeconds: item.delaySeconds })),
          }),
        );
        for (const ok of response.Successful ?? []) {
          const item = pending[Number(ok.Id)];
          if (item) sent.push({ id: item.id, messageId: ok.MessageId ?? '' });
        }
        const retry: typeof pending = [];
        for (const bad of response.Failed ?? []) {
          const item = pending[Number(bad.Id)];
          if (!item) continue;
          if (bad.SenderFault || attempt >= BATCH_ATTEMPTS) failed.push({ id: item.id, code: bad.Code, message: bad.Message });
          else retry.push(item);
        }
        if (retry.length > 0) await sleep(100 * 2 ** attempt);
        pending = retry;
      }
    }
    if (failed.length > 0) throw new EnqueueBatchError(failed);
    return sent;
  };

  #envelope<P>(type: string, payload: P, jobId?: string): JobEnvelope<P> {
    const schema = this.#registry?.get(type)?.schema;
    if (schema) {
      const result = schema.safeParse(payload);
      if (!result.success) throw new TypeError(`invalid payload for job "${type}": ${result.error.message}`);
    }
    return { v: 1, id: jobId ?? randomUUID(), type, payload, enqueuedAt: this.#now().toISOString() };
  }
}

/**
 * SQS refuses bodies containing U+FFFE/U+FFFF, which JSON.stringify leaves raw (it escapes control
 * characters and lone surrogates itself). They can only occur inside JSON strings, where \uXXXX is
 * the same character to JSON.parse.
 */
export function serializeEnvelope(envelope: JobEnvelope): string {
  return JSON.stringify(envelope).replace(/[\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

function* chunks<T extends { body: string }>(items: T[]): Generator<T[]> {
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = Buffer.byteLength(item.body);
    if (current.length > 0 && (current.length === BATCH_MAX_ENTRIES || bytes + size > BATCH_MAX_BYTES)) {
      yield current;
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) yield current;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
