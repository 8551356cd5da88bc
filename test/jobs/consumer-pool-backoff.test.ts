import { retryDelaySeconds } from '../../src/jobs/consumer-pool.js';
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
