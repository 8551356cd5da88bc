/**
 * Fixed-window arithmetic for counters: time is cut into back-to-back windows of `windowSeconds`,
 * aligned on the Unix epoch, so every process computes the same window for the same instant
 * without talking to the others.
 */
export interface FixedWindow {
  /** Epoch seconds at which the window began (inclusive); part of the counter's key. */
  start: number;
  /** Epoch seconds at which the window ends (exclusive) and the next one begins. */
  end: number;
  /** Whole seconds until the window ends, at least 1: what a Retry-After header should say. */
  secondsLeft: number;
}

export function fixedWindow(nowMs: number, windowSeconds: number): FixedWindow {
  if (!Number.isInteger(windowSeconds) || windowSeconds <= 0) throw new RangeError(`windowSeconds must be a positive integer, not ${windowSeconds}`);
  if (!Number.isFinite(nowMs) || nowMs < 0) throw new RangeError(`nowMs must be a non-negative epoch time, not ${nowMs}`);
  const windowMs = windowSeconds * 1000;
  const startMs = Math.floor(nowMs / windowMs) * windowMs;
  const endMs = startMs + windowMs;
  return { start: startMs / 1000, end: endMs / 1000, secondsLeft: Math.max(1, Math.ceil((endMs - nowMs) / 1000)) };
}

/**
 * Hits per key in the current fixed window, in this process's memory (counting costs no I/O). Only the
 * current window's counts are kept: the first hit of a new window drops the previous map, so memory
 * holds the keys seen within one window.
 */
export class WindowCounter {
  private windowStart = Number.NaN;
  private counts = new Map<string, number>();

  constructor(private readonly windowSeconds: number) {
    fixedWindow(0, windowSeconds); // refuses a bad window length at construction, not at the first hit
  }

  /** Counts one hit for `key` at `nowMs`: the count within its window (this hit included) and the window. */
  hit(key: string, nowMs: number): { count: number; window: FixedWindow } {
    const window = fixedWindow(nowMs, this.windowSeconds);
    if (window.start !== this.windowStart) {
      this.windowStart = window.start;
      this.counts = new Map();
    }
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    return { count, window };
  }
}
