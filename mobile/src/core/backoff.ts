export interface BackoffPolicy {
  /** The first retry's ceiling; each further attempt doubles it. */
  baseMs: number;
  /** No wait exceeds this (except a longer Retry-After, which the server asked for). */
  capMs: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 1000, capMs: 5 * 60_000 };

/**
 * "Full jitter" (AWS architecture blog): a uniform wait in [0, min(cap, base * 2^attempt)), so clients
 * that failed together do not come back together. A Retry-After is a floor: the server knows when it
 * can take us again, and coming back sooner only earns another 429/503.
 * `attempt` counts failures so far, starting at 1; `random` returns [0, 1).
 */
export function retryDelayMs(attempt: number, random: () => number, policy: BackoffPolicy = defaultBackoff, retryAfterMs?: number): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.floor(random() * ceiling);
  return retryAfterMs === undefined ? jittered : Math.max(retryAfterMs, jittered);
}
