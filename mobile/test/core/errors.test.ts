import { retryDelayMs } from '../../src/core/backoff';
import { ApiError, parseRetryAfter, toApiError } from '../../src/core/errors';

describe('Retry-After', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');
  test('delay-seconds and HTTP dates, relative to now; garbage is ignored', () => {
    expect(parseRetryAfter('5', now)).toBe(5000);
    expect(parseRetryAfter('Tue, 01 Dec 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 01 Dec 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('full jitter backoff', () => {
  const policy = { baseMs: 1000, capMs: 60_000 };
  test('the ceiling doubles per attempt up to the cap; the wait is uniform below it', () => {
    expect(retryDelayMs(1, () => 0.999999, policy)).toBe(999);
    expect(retryDelayMs(3, () => 0.5, policy)).toBe(2000);
    expect(retryDelayMs(20, () => 0.5, policy)).toBe(30_000);
    expect(retryDelayMs(5, () => 0, policy)).toBe(0);
  });
  test('Retry-After is a floor', () => {
    expect(retryDelayMs(1, () => 0.5, policy, 7000)).toBe(7000);
    expect(retryDelayMs(10, () => 0.5, policy, 7000)).toBe(30_000);
  });
});

test('a non-HTTP failure is a retryable network error with status 0', () => {
  const error = toApiError(new TypeError('Network request failed'));
  expect(error).toBeInstanceOf(ApiError);
  expect(error).toMatchObject({ status: 0, isNetworkError: true, retryable: true });
  expect(new ApiError({ status: 400, title: 'Bad Request' }).retryable).toBe(false);
  expect(new ApiError({ status: 503, title: 'Unavailable' }).retryable).toBe(true);
});
