import { defaultBackoff, type BackoffPolicy } from './backoff';
import { ApiError, toApiError } from './errors';
import { systemClock, type Clock, type KeyValueStore } from './storage';
import { inPool } from './pool';
import { UploadStore } from './upload-store';
import { decideFailure, type RetryPolicy } from './upload-retry';
import { isExpired, toTarget } from './upload-target';
import {
  SourceUnavailableError,
  type ByteSource,
  type CompleteAnswer,
  type SourceKeeper,
  type SourceRef,
  type UploadAnswer,
  type UploadItem,
  type UploadTarget,
  type UploadTransport,
} from './upload-types';

/** The API takes at most 50 items per POST /v1/uploads and per POST /v1/uploads/complete. */
export const BATCH_SIZE = 50;
/** After an unexpected failure (storage, say) the queue looks again this much later. */
const CRASH_RETRY_MS = 30_000;

export interface UploadQueueOptions {
  storage: KeyValueStore;
  /** The signed-in user's id: each account has its own queue (see UploadStore). */
  scope: string;
  transport: UploadTransport;
  bytes: ByteSource;
  /** Base64 of the SHA-256 of the bytes (expo-crypto on the device). */
  sha256(bytes: Uint8Array): Promise<string>;
  clock?: Clock;
  /** [0, 1): the jitter's source. */
  random?: () => number;
  backoff?: BackoffPolicy;
  /** Failures in a row after which an item stops and asks for attention. */
  retryBudget?: number;
  /** Photos sent to S3 at the same time (parts of one photo go one after another). */
  concurrency?: number;
  /** Keeps picked files readable after a restart where the platform's own reference dies (web blob: URIs). */
  keeper?: SourceKeeper;
}

export type QueueListener = (items: readonly UploadItem[]) => void;

type Outcome = 'progress' | 'waiting' | 'paused';

/**
 * The pending upload queue. Every item is in storage before anything is sent for it and leaves storage
 * only when the server has the photo (complete answered ready/processing, or it was a duplicate), so
 * killing the app at any point loses nothing and, because every call it repeats is idempotent on the
 * server (same content, same reservation), duplicates nothing.
 */
export class UploadQueue {
  private readonly store: UploadStore;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly retryPolicy: RetryPolicy;
  private readonly items = new Map<string, UploadItem>();
  private readonly listeners = new Set<QueueListener>();
  private running: Promise<void> | undefined;
  private again = false;
  private started = false;
  private loaded = false;
  private stopped = false;
  private pausedForAuth = false;
  private cancelWake: (() => void) | undefined;
  private counter = 0;
  private crashedAt: number | undefined;

  constructor(private readonly options: UploadQueueOptions) {
    this.store = new UploadStore(options.storage, options.scope);
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.retryPolicy = { backoff: options.backoff ?? defaultBackoff, budget: options.retryBudget ?? 8, random: this.random };
  }

  /** Loads what a previous run left and carries on with it. */
  async start(): Promise<void> {
    if (!this.started) {
      this.started = true;
      for (const item of await this.store.loadAll()) if (!this.items.has(item.id)) this.items.set(item.id, item);
      // Kept copies no stored item names (the app died between keeping and storing, or before releasing) go.
      await this.options.keeper?.retainOnly([...this.items.values()].map((i) => i.source)).catch(() => undefined);
      this.loaded = true;
      this.emit();
    }
    void this.kick();
  }

  /** Stops scheduling work (an in-flight request finishes; its result is still recorded). */
  stop(): void {
    this.stopped = true;
    this.cancelWake?.();
  }

  /** Queues photos; each is stored before any work on it starts. Returns their ids. */
  async add(sources: SourceRef[]): Promise<string[]> {
    const ids: string[] = [];
    for (const source of sources) {
      // Fixed-width parts: list() orders by id within a millisecond, and a 50-photo pick lands in one.
      const id = `${this.clock.now().toString(36).padStart(9, '0')}-${(this.counter++).toString(36).padStart(4, '0')}-${Math.floor(this.random() * 2 ** 32).toString(36)}`;
      const kept = this.options.keeper ? await this.options.keeper.keep(source) : source;
      const item: UploadItem = { id, source: kept, createdAt: this.clock.now(), step: 'hashing', etags: {}, attempts: 0 };
      await this.store.save(item);
      this.items.set(id, item);
      ids.push(id);
    }
    this.emit();
    void this.kick();
    return ids;
  }

  /** A failed item tries again with a fresh budget, from where it stopped. */
  async retry(id: string): Promise<void> {
    const item = this.items.get(id);
    if (!item || item.step !== 'failed') return;
    await this.update(item, { step: item.failedAt ?? (item.sha256 ? 'requesting' : 'hashing'), failedAt: undefined, attempts: 0, notBefore: undefined });
    void this.kick();
  }

  /** The user gives up on an item: it leaves the queue (the server sweeps a reservation nobody completes). */
  async cancel(id: string): Promise<void> {
    const item = this.items.get(id);
    if (!item) return;
    this.items.delete(id);
    await this.store.remove(id);
    await this.release(item);
    this.emit();
  }

  /** Forgets finished items (kept in memory only, so the screen can say "uploaded" or "already in your library"). */
  clearFinished(): void {
    for (const [id, item] of this.items) if (item.step === 'done') this.items.delete(id);
    this.emit();
  }

  /**
   * After sign-in again, or when the network is back: items that waited for the network go now.
   * Items the server asked to wait (429/503 with Retry-After) keep waiting.
   */
  resume(): void {
    this.pausedForAuth = false;
    for (const item of this.items.values()) if (item.problem?.status === 0 && item.step !== 'failed') item.notBefore = undefined;
    void this.kick();
  }

  /**
   * What processing made of photos the server took (complete answered `processing`): the items are done
   * and out of storage, so this only changes what the screen says (see processing-watch.ts).
   */
  settleProcessed(photoId: string, outcome: { status: 'ready' } | { status: 'rejected'; error?: string }): void {
    for (const item of this.items.values()) {
      if (item.photoId !== photoId || item.step !== 'done' || item.result !== 'processing') continue;
      item.result = outcome.status;
      if (outcome.status === 'rejected') item.problem = { status: 422, title: 'Rejected', detail: outcome.error ?? 'the server rejected this photo' };
    }
    this.emit();
  }

  /** False until start() has read what a previous run left: an empty list then means "not known yet". */
  get isLoaded(): boolean {
    return this.loaded;
  }

  list(): UploadItem[] {
    return [...this.items.values()].sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  subscribe(listener: QueueListener): () => void {
    this.listeners.add(listener);
    listener(this.list());
    return () => this.listeners.delete(listener);
  }

  /** Resolves when the current run has nothing left it can do now (tests, and the screen's spinner). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private emit(): void {
    const snapshot = this.list();
    for (const listener of [...this.listeners]) listener(snapshot);
  }

  private kick(): Promise<void> {
    if (this.stopped || this.pausedForAuth) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.cancelWake?.();
    this.running = this.drain()
      .catch(() => {
        // Storage itself failed (full, say): nothing is lost (what is stored stays), try again later.
        this.crashedAt = this.clock.now();
      })
      .finally(() => {
        this.running = undefined;
        // A kick that came after the last pass looked, but before this callback, must not be lost.
        if (this.again && this.crashedAt === undefined) void this.kick();
        else this.scheduleWake();
      });
    return this.running;
  }

  private async drain(): Promise<void> {
    do {
      this.again = false;
      while (!this.stopped && !this.pausedForAuth && (await this.pass()) === 'progress');
    } while (this.again && !this.stopped && !this.pausedForAuth);
  }

  private scheduleWake(): void {
    this.cancelWake?.();
    this.cancelWake = undefined;
    if (this.stopped || this.pausedForAuth) return;
    const waits = this.list()
      .filter((i) => i.step !== 'done' && i.step !== 'failed' && i.notBefore !== undefined)
      .map((i) => i.notBefore!);
    if (this.crashedAt !== undefined) {
      waits.push(this.crashedAt + CRASH_RETRY_MS);
      this.crashedAt = undefined;
    }
    if (waits.length === 0) return;
    const delay = Math.max(0, Math.min(...waits) - this.clock.now());
    this.cancelWake = this.clock.schedule(() => void this.kick(), delay);
  }

  private due(step: UploadItem['step']): UploadItem[] {
    const now = this.clock.now();
    return this.list().filter((i) => i.step === step && (i.notBefore === undefined || i.notBefore <= now));
  }

  /** One sweep over every step; 'progress' when anything moved, so the caller sweeps again. */
  private async pass(): Promise<Outcome> {
    let moved = false;
    const note = (outcome: Outcome) => {
      if (outcome === 'paused') throw new PausedForAuth();
      if (outcome === 'progress') moved = true;
    };
    try {
      for (const item of this.due('hashing')) note(await this.hash(item));
      const requesting = this.due('requesting');
      for (let i = 0; i < requesting.length; i += BATCH_SIZE) note(await this.request(requesting.slice(i, i + BATCH_SIZE)));
      for (const outcome of await inPool(this.due('uploading'), this.options.concurrency ?? 3, (item) => this.upload(item))) note(outcome);
      const completing = this.due('completing');
      for (let i = 0; i < completing.length; i += BATCH_SIZE) note(await this.complete(completing.slice(i, i + BATCH_SIZE)));
    } catch (error) {
      if (!(error instanceof PausedForAuth)) throw error;
      this.pausedForAuth = true;
      return 'paused';
    }
    return moved ? 'progress' : 'waiting';
  }

  private async update(item: UploadItem, patch: Partial<UploadItem>): Promise<void> {
    Object.assign(item, patch);
    // Cancelled while a request was in flight: do not bring it back.
    if (!this.items.has(item.id)) return;
    if (item.step === 'done') {
      await this.store.remove(item.id);
      await this.release(item);
    } else await this.store.save(item);
    this.emit();
  }

  /** The server has the photo (or the user gave it up): the kept copy is no longer needed. */
  private async release(item: UploadItem): Promise<void> {
    // A copy that cannot be deleted now is swept by retainOnly at the next start.
    await this.options.keeper?.release(item.source).catch(() => undefined);
  }

  /** A failed call: see decideFailure (wait, fail or pause). */
  private async failed(item: UploadItem, error: unknown, patch: Partial<UploadItem> = {}): Promise<Outcome> {
    const decision = decideFailure(item, error, this.clock.now(), this.retryPolicy, patch);
    if (decision.action === 'pause') return 'paused';
    await this.update(item, decision.patch);
    return decision.action === 'fail' ? 'progress' : 'waiting';
  }

  /** Any failure to read the photo's bytes means the photo is gone: retrying cannot help, the user must. */
  private async read(item: UploadItem, range?: { start: number; end: number }): Promise<Uint8Array> {
    try {
      return await this.options.bytes.read(item.source, range);
    } catch (error) {
      if (error instanceof SourceUnavailableError) throw error;
      throw new SourceUnavailableError(`The photo is no longer available on this device (${error instanceof Error ? error.message : String(error)})`);
    }
  }

  private async hash(item: UploadItem): Promise<Outcome> {
    let bytes: Uint8Array;
    let sha256: string;
    try {
      bytes = await this.read(item);
    } catch (error) {
      return this.failed(item, error);
    }
    try {
      sha256 = await this.options.sha256(bytes);
    } catch (error) {
      // The digest itself failed (web over plain http has no SubtleCrypto): no retry fixes that either.
      const detail = error instanceof Error ? error.message : String(error);
      await this.update(item, { step: 'failed', failedAt: 'hashing', problem: { status: 0, title: 'Could not compute the checksum', detail } });
      return 'progress';
    }
    await this.update(item, { step: 'requesting', size: bytes.length, sha256, problem: undefined });
    return 'progress';
  }

  private async request(batch: UploadItem[]): Promise<Outcome> {
    let answers: UploadAnswer[];
    try {
      answers = await this.options.transport.requestUploads(
        batch.map((i) => ({ clientRef: i.id, filename: i.source.filename, contentType: i.source.contentType, size: i.size!, sha256: i.sha256! })),
      );
    } catch (error) {
      return this.batchFailed(batch, error, (single) => this.request([single]));
    }
    const byRef = new Map(answers.map((a) => [a.clientRef, a]));
    for (const item of batch) {
      const answer = byRef.get(item.id);
      if (!answer) {
        await this.failed(item, unanswered());
        continue;
      }
      if (answer.status === 'duplicate') {
        await this.update(item, { step: 'done', result: 'duplicate', photoId: answer.photoId, problem: undefined, notBefore: undefined });
        continue;
      }
      const target = toTarget(answer, this.clock.now());
      if (!target) {
        await this.failed(item, new ApiError({ status: 502, title: 'Unexpected answer', detail: 'no upload URL in the answer' }));
        continue;
      }
      // The same reservation answers with the same multipart upload: parts already sent stay valid.
      const sameUpload = item.target?.kind === 'multipart' && target.kind === 'multipart' && item.target.uploadId === target.uploadId;
      await this.update(item, { step: 'uploading', photoId: answer.photoId, target, etags: sameUpload ? item.etags : {}, notBefore: undefined, attempts: 0, problem: undefined });
    }
    return 'progress';
  }

  /**
   * A whole batch refused: retryable -> every item waits; permanent with several items -> each is
   * asked alone, so one bad item (over quota, say) does not fail the 49 others.
   */
  private async batchFailed(batch: UploadItem[], error: unknown, alone: (item: UploadItem) => Promise<Outcome>): Promise<Outcome> {
    const problem = toApiError(error, this.clock.now());
    if (problem.status === 401) return 'paused';
    if (!problem.retryable && batch.length > 1) {
      for (const item of batch) if ((await alone(item)) === 'paused') return 'paused';
      return 'progress';
    }
    let outcome: Outcome = 'waiting';
    for (const item of batch) if ((await this.failed(item, problem)) === 'progress') outcome = 'progress';
    return outcome;
  }

  private expired(target: UploadTarget): boolean {
    return isExpired(target, this.clock.now());
  }

  /** Bytes on their way, for the progress bar: memory only (a restart starts from the stored parts). */
  private progress(item: UploadItem, sentBytes: number): void {
    if (!this.items.has(item.id)) return;
    item.sentBytes = sentBytes;
    this.emit();
  }

  private async upload(item: UploadItem): Promise<Outcome> {
    const target = item.target;
    if (!target || this.expired(target)) {
      // A fresh POST /v1/uploads answers for the same reservation with new URLs.
      await this.update(item, { step: 'requesting' });
      return 'progress';
    }
    try {
      if (target.kind === 'single') {
        const bytes = await this.read(item);
        await this.options.transport.put(target.url, target.headers, bytes, (sent) => this.progress(item, sent));
      } else {
        for (const part of [...target.parts].sort((a, b) => a.partNumber - b.partNumber)) {
          if (item.etags[part.partNumber]) continue;
          if (this.expired(target)) {
            await this.update(item, { step: 'requesting', part: undefined });
            return 'progress';
          }
          await this.update(item, { part: part.partNumber });
          const start = (part.partNumber - 1) * target.partSize;
          const bytes = await this.read(item, { start, end: Math.min(start + target.partSize, item.size!) });
          const { etag } = await this.options.transport.put(part.url, {}, bytes, (sent) => this.progress(item, start + sent));
          if (!etag) throw new ApiError({ status: 0, title: 'No ETag', detail: 'S3 answered a part without an ETag (is it exposed by CORS?)' });
          // Each part's ETag is stored at once: a restart resumes at the next part.
          await this.update(item, { etags: { ...item.etags, [part.partNumber]: etag }, attempts: 0, problem: undefined });
        }
      }
      await this.update(item, { step: 'completing', part: undefined, sentBytes: item.size, attempts: 0, problem: undefined });
      return 'progress';
    } catch (error) {
      // S3 refuses an expired (or otherwise stale) signature with 403: ask for fresh URLs, within the budget.
      if (error instanceof ApiError && error.status === 403) {
        return this.failed(item, new ApiError({ status: 503, title: 'Upload URL refused', detail: error.detail }), { step: 'requesting', part: undefined });
      }
      return this.failed(item, error instanceof ApiError ? error : toApiError(error, this.clock.now()));
    }
  }

  private async complete(batch: UploadItem[]): Promise<Outcome> {
    let answers: CompleteAnswer[];
    try {
      answers = await this.options.transport.completeUploads(
        batch.map((i) =>
          i.target?.kind === 'multipart'
            ? { photoId: i.photoId!, parts: Object.entries(i.etags).map(([n, etag]) => ({ partNumber: Number(n), etag })).sort((a, b) => a.partNumber - b.partNumber) }
            : { photoId: i.photoId! },
        ),
      );
    } catch (error) {
      return this.batchFailed(batch, error, (single) => this.complete([single]));
    }
    const byId = new Map(answers.map((a) => [a.photoId, a]));
    for (const item of batch) {
      const answer = byId.get(item.photoId!);
      if (!answer) {
        await this.failed(item, unanswered());
        continue;
      }
      if (answer.status === 'ready' || answer.status === 'processing') {
        await this.update(item, { step: 'done', result: answer.status, problem: undefined, notBefore: undefined });
      } else if (answer.status === 'missing') {
        // The object is not there (lost, or the reservation lapsed): ask again and send it again.
        await this.failed(item, new ApiError({ status: 503, title: 'Upload not received', detail: 'the server did not find the uploaded photo' }), {
          step: 'requesting',
          etags: {},
        });
      } else {
        // Retrying a rejected photo starts over: a new reservation, the bytes read again.
        await this.update(item, { step: 'failed', failedAt: 'hashing', etags: {}, target: undefined, problem: { status: 422, title: 'Rejected', detail: answer.error ?? 'the server rejected this photo' } });
      }
    }
    return 'progress';
  }
}

class PausedForAuth extends Error {}


/** An answer without one of our items: retried like a server failure, within the budget. */
const unanswered = () => new ApiError({ status: 502, title: 'No answer for this photo', detail: 'the server left it out of its answer' });
