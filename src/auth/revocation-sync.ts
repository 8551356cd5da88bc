import type { FastifyBaseLogger } from 'fastify';
import { isRevoked, type Revocation, type SessionClaims } from './revocation.js';
import { RevocationView, type RevocationState, type RevocationVerdict } from './revocation-view.js';

/**
 * The seconds of revocations each instance holds: Cognito's access tokens live an hour (the app
 * client's default, which sst.config.ts keeps), plus a minute for clocks. A longer token lifetime
 * stays correct: tokens older than this are checked against the record (RevocationView.verdict).
 */
export const REVOCATION_WINDOW_SECONDS = 3600 + 60;

/**
 * How far before its previous query a poll looks again: a feed write is done within
 * FEED_WRITE_DEADLINE_MS of the time it carries (src/data/users.ts), and the writer's clock may
 * differ from ours by up to a second (the revoked-second design assumes as much).
 */
export const POLL_OVERLAP_MS = 2000 + 1000;

/** Reads the feed (src/data/revocation-feed.ts). */
export interface RevocationFeedReader {
  readSince(sinceMs: number, nowMs: number, abortSignal?: AbortSignal): Promise<RevocationState[]>;
}

export interface RevocationSyncOptions {
  feed: RevocationFeedReader;
  /** Between the end of one poll and the start of the next. */
  pollIntervalMs: number;
  /** Past this without a successful poll the view is not trusted (see verdict). */
  staleAfterMs: number;
  log: FastifyBaseLogger;
  windowSeconds?: number;
  now?: () => number;
}

/**
 * Keeps this instance's RevocationView current: loads the live window at start (page by page),
 * then polls the feed for what was written since, one query per interval whatever the request
 * rate. Revocations written by this process are applied at once (applyWritten).
 *
 * The view is never trusted silently: it counts as current as of the start of the last successful
 * poll, and past `staleAfterMs` without one every verdict is `ask-record`, i.e. the caller reads
 * the record per request (today's path before the feed) until a poll succeeds again.
 */
export class RevocationSync {
  readonly view: RevocationView;
  private readonly now: () => number;
  /** When the last successful poll started: the view holds every revocation written before then. */
  private syncedAt = Number.NEGATIVE_INFINITY;
  /** Where the next poll reads from; undefined until the window was loaded. */
  private cursor: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private readonly stopping = new AbortController();
  private staleReported = false;
  private failing = false;

  constructor(private readonly options: RevocationSyncOptions) {
    this.view = new RevocationView(options.windowSeconds ?? REVOCATION_WINDOW_SECONDS);
    this.now = options.now ?? Date.now;
  }

  /**
   * Loads the window (a failure is logged, and polling retries it) and starts polling. Start-up
   * waits for the load at most `staleAfterMs`: with DynamoDB slow or away the app still starts, and
   * its requests read the record until the window is in.
   */
  async start(): Promise<void> {
    const first = this.poll().finally(() => this.schedule());
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.staleAfterMs);
    });
    await Promise.race([first, bound]);
    clearTimeout(timer);
  }

  /** Stops polling and waits for a poll in flight; from then on every verdict is `ask-record`. */
  async stop(): Promise<void> {
    this.stopping.abort();
    clearTimeout(this.timer);
    await this.running;
    this.syncedAt = Number.NEGATIVE_INFINITY;
  }

  get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  /** When the last successful poll started (ms; -Infinity before the first or after stop). */
  get lastSyncedAt(): number {
    return this.syncedAt;
  }

  isCurrent(nowMs = this.now()): boolean {
    return nowMs - this.syncedAt <= this.options.staleAfterMs;
  }

  verdict(claims: SessionClaims & { sub: string }): RevocationVerdict {
    const nowMs = this.now();
    if (!this.isCurrent(nowMs)) {
      if (!this.staleReported) {
        this.staleReported = true;
        this.options.log.warn({ lastSyncMsAgo: nowMs - this.syncedAt }, 'revocation feed not current: checking revocations per request');
      }
      return 'ask-record';
    }
    return this.view.verdict(claims, Math.floor(nowMs / 1000));
  }

  /** A state this process wrote: takes effect here at once. */
  applyWritten(state: RevocationState): void {
    this.view.apply(state, Math.floor(this.now() / 1000));
  }

  /** The record decided (see TokenVerifier): the view learns what it read, refusals of the revoked second included. */
  decideFromRecord(claims: SessionClaims & { sub: string }, record: Revocation | undefined): 'accepted' | 'refused' {
    if (!record) return 'accepted';
    const version = record.version ?? 0;
    this.applyWritten({ userId: claims.sub, revokedBefore: record.revokedBefore, revocationId: record.revocationId ?? '', sessions: record.sessions, version });
    if (!isRevoked(claims, record)) return 'accepted';
    this.view.noteRefused(claims, version);
    return 'refused';
  }

  /** One read of the feed: the whole window the first time, then what was written since the last one. */
  async poll(): Promise<boolean> {
    if (this.stopped) return false;
    const startedAt = this.now();
    const loading = this.cursor === undefined;
    const since = this.cursor ?? startedAt - this.view.windowSeconds * 1000 - POLL_OVERLAP_MS;
    // A hung query must not hold the next poll back past the point where the view goes stale.
    const timeout = AbortSignal.timeout(loading ? Math.max(30_000, this.options.staleAfterMs) : this.options.staleAfterMs);
    const read = this.options.feed.readSince(since, startedAt, AbortSignal.any([timeout, this.stopping.signal]));
    this.running = read.catch(() => undefined);
    try {
      const states = await read;
      const nowSeconds = Math.floor(this.now() / 1000);
      for (const state of states) this.view.apply(state, nowSeconds);
      this.view.expire(nowSeconds);
    } catch (error) {
      // Once per streak of failures: an outage must not write a line a second per instance.
      if (!this.stopped && !this.failing) this.options.log.warn({ err: { name: (error as Error).name } }, loading ? 'revocation window not loaded' : 'revocation feed poll failed');
      this.failing = true;
      return false;
    }
    this.failing = false;
    if (this.stopped) return false;
    this.cursor = startedAt - POLL_OVERLAP_MS;
    this.syncedAt = startedAt;
    if (this.staleReported) {
      this.staleReported = false;
      this.options.log.info('revocation feed current again');
    }
    return true;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.poll().finally(() => this.schedule());
    }, this.options.pollIntervalMs);
    // The app's onClose stops the poller; the timer alone never keeps the process alive.
    this.timer.unref();
  }
}
