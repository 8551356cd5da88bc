import { pollSeconds, receiveBackoffMs, retryDelaySeconds } from '../../src/jobs/consumer-pool.js';
import { MAX_RECEIVES } from '../../src/jobs/queue-policy.js';

describe('retry backoff', () => {
  it('waits 155 s in all before the last receive: a minute-long outage is ridden out before the DLQ', () => {
    // A job received MAX_RECEIVES times goes to the DLQ; the delays after receives 1 .. MAX_RECEIVES - 1 come before.
    const delays = Array.from({ length: MAX_RECEIVES - 1 }, (_, i) => retryDelaySeconds(i + 1));
    expect(delays).toEqual([5, 10, 20, 40, 80]);
    expect(delays.reduce((sum, seconds) => sum + seconds, 0)).toBe(155);
  });

  it('caps one delay (whole seconds, far below SQS visibility maximum of 12 hours)', () => {
    expect(retryDelaySeconds(20)).toBe(300);
    expect(retryDelaySeconds(3, 100, 60)).toBe(0); // 400 ms rounds down: visible again at once
    expect(retryDelaySeconds(8, 1000, 60)).toBe(60);
  });
});

describe('receive backoff (SQS unreachable)', () => {
  it('doubles from 1 s to a 30 s cap, each wait drawn from the upper half of its step', () => {
    const low = Array.from({ length: 8 }, (_, i) => receiveBackoffMs(i + 1, () => 0));
    const high = Array.from({ length: 8 }, (_, i) => receiveBackoffMs(i + 1, () => 1));
    expect(high).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    expect(low).toEqual(high.map((ms) => ms / 2));
  });

  it('spreads workers that failed together (jitter), instead of sending them back in lockstep', () => {
    const waits = new Set(Array.from({ length: 50 }, () => receiveBackoffMs(5)));
    expect(waits.size).toBeGreaterThan(25);
    for (const ms of waits) expect(ms).toBeGreaterThanOrEqual(8000);
  });
});

describe('poll length', () => {
  it('ends within the stop budget, since stop() waits for running polls instead of aborting them', () => {
    expect(pollSeconds(20, 30_000)).toBe(20);
    expect(pollSeconds(20, 7000)).toBe(6);
    expect(pollSeconds(1, 5000)).toBe(1);
    expect(pollSeconds(5, 500)).toBe(0);
  });
});
