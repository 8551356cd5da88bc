import { retryDelayMs, type BackoffPolicy } from './backoff';
import { toApiError } from './errors';
import { SourceUnavailableError, type UploadItem } from './upload-types';

export interface RetryPolicy {
  backoff: BackoffPolicy;
  /** Failures in a row after which an item stops and asks for attention. */
  budget: number;
  random: () => number;
}

/** What a failure does to an item: pause the queue (signed out), fail it (needs the user), or wait and retry. */
export type FailureDecision = { action: 'pause' } | { action: 'fail' | 'wait'; patch: Partial<UploadItem> };

/**
 * Retryable failures (no answer, 408, 429, 5xx) wait with full jitter, at least Retry-After, until the
 * budget is spent; permanent ones and unreadable photos fail at once; a 401 (the session ended) pauses
 * without spending the budget, since signing in again fixes it; so does a 429 or 503 that says when to
 * come back (Retry-After): that is load the server shed, to be retried when it said, not a failure of
 * the photo, and minutes of overload must not turn a user's uploads into "needs attention".
 * `patch` is what the caller wanted to change anyway (a step to go back to, say).
 */
export function decideFailure(item: UploadItem, error: unknown, now: number, policy: RetryPolicy, patch: Partial<UploadItem> = {}): FailureDecision {
  const failedAt = patch.step ?? item.step;
  if (error instanceof SourceUnavailableError) {
    return { action: 'fail', patch: { ...patch, step: 'failed', failedAt, problem: { status: 0, title: 'Photo unavailable', detail: error.message } } };
  }
  const problem = toApiError(error, now);
  if (problem.status === 401) return { action: 'pause' };
  const summary = { status: problem.status, title: problem.title, detail: problem.detail };
  const shed = (problem.status === 429 || problem.status === 503) && problem.retryAfterMs !== undefined;
  const attempts = shed ? item.attempts : item.attempts + 1;
  if (!problem.retryable || attempts > policy.budget) {
    return { action: 'fail', patch: { ...patch, step: 'failed', failedAt, attempts, problem: summary, notBefore: undefined } };
  }
  const delay = retryDelayMs(Math.max(1, attempts), policy.random, policy.backoff, problem.retryAfterMs);
  return { action: 'wait', patch: { ...patch, attempts, problem: summary, notBefore: now + delay } };
}
