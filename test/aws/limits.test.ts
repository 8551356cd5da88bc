import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConcurrencyLimit, DependencyBusyError, type Release } from '../../src/aws/limits.js';
import { openFileLimit } from '../../src/plugins/app/overload.js';

/** The limiter's own logic, on jest's fake clock: slots, the FIFO of waiters, their deadline, aborts. */
const limit = (overrides: Partial<ConstructorParameters<typeof ConcurrencyLimit>[0]> = {}) =>
  new ConcurrencyLimit({ name: 'dynamodb', maxConcurrent: 2, maxQueued: 2, maxWaitMs: 100, retryAfterSeconds: 3, ...overrides });

/** What a promise has done so far, without waiting for it. */
function track<T>(promise: Promise<T>) {
  const state: { value?: T; error?: unknown; settled: boolean } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { value, settled: true }),
    (error: unknown) => Object.assign(state, { error, settled: true }),
  );
  return state;
}

const flush = () => jest.advanceTimersByTimeAsync(0);

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('ConcurrencyLimit', () => {
  it('grants maxConcurrent slots at once and no more; a release frees one', async () => {
    const l = limit();
    const a = l.tryAcquire();
    const b = l.tryAcquire();
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    expect(l.tryAcquire()).toBeUndefined();
    expect(l.stats()).toMatchObject({ active: 2, queued: 0 });
    a!();
    a!(); // a second release of the same slot changes nothing
    expect(l.stats().active).toBe(1);
    expect(l.tryAcquire()).toBeDefined();
    expect(l.tryAcquire()).toBeUndefined();
  });

  it('hands a released slot to the oldest waiter, in arrival order, before any newcomer', async () => {
    const l = limit();
    const held = [l.tryAcquire()!, l.tryAcquire()!];
    const first = track(l.acquire());
    const second = track(l.acquire());
    await flush();
    expect(first.settled || second.settled).toBe(false);
    expect(l.stats()).toMatchObject({ active: 2, queued: 2 });

    held[0]!();
    await flush();
    expect(first.value).toEqual(expect.any(Function));
    expect(second.settled).toBe(false);
    // The slot went to the waiter: a newcomer finds none.
    expect(l.tryAcquire()).toBeUndefined();
    expect(l.stats()).toMatchObject({ active: 2, queued: 1 });

    (first.value as Release)();
    await flush();
    expect(second.value).toEqual(expect.any(Function));
    held[1]!();
    (second.value as Release)();
    expect(l.stats()).toMatchObject({ active: 0, queued: 0 });
  });

  it('refuses at once with queue-full when maxQueued calls already wait', async () => {
    const l = limit({ maxQueued: 1 });
    l.tryAcquire();
    l.tryAcquire();
    const waiting = track(l.acquire());
    const refused = track(l.acquire());
    await flush();
    expect(waiting.settled).toBe(false);
    expect(refused.error).toBeInstanceOf(DependencyBusyError);
    expect(refused.error).toMatchObject({ dependency: 'dynamodb', reason: 'queue-full', retryAfterSeconds: 3, name: 'DependencyBusyError' });
    expect(l.stats().refused).toEqual({ 'queue-full': 1, 'wait-expired': 0 });
  });

  it('with maxQueued 0, a call that finds no free slot is refused without waiting', async () => {
    const l = limit({ maxConcurrent: 1, maxQueued: 0 });
    l.tryAcquire();
    const refused = track(l.acquire());
    await flush();
    expect(refused.error).toMatchObject({ reason: 'queue-full' });
  });

  it('fails a waiter with wait-expired after maxWaitMs, and the line moves on without it', async () => {
    const l = limit({ maxConcurrent: 1 });
    const held = l.tryAcquire()!;
    const early = track(l.acquire());
    await jest.advanceTimersByTimeAsync(60);
    const late = track(l.acquire());
    await jest.advanceTimersByTimeAsync(39);
    expect(early.settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(early.error).toMatchObject({ reason: 'wait-expired', dependency: 'dynamodb' });
    expect(late.settled).toBe(false);
    expect(l.stats()).toMatchObject({ queued: 1, refused: { 'queue-full': 0, 'wait-expired': 1 } });

    held();
    await flush();
    expect(late.value).toEqual(expect.any(Function));
    // The granted waiter's timer was cleared: it does not fail later.
    await jest.advanceTimersByTimeAsync(500);
    expect(late.error).toBeUndefined();
    expect(l.stats().refused['wait-expired']).toBe(1);
  });

  it('a waiter whose caller aborts leaves the line with the abort reason and takes no slot', async () => {
    const l = limit({ maxConcurrent: 1 });
    const held = l.tryAcquire()!;
    const controller = new AbortController();
    const aborted = track(l.acquire(controller.signal));
    const next = track(l.acquire());
    controller.abort(new Error('caller gave up'));
    await flush();
    expect(aborted.error).toEqual(new Error('caller gave up'));
    expect(l.stats().queued).toBe(1);
    held();
    await flush();
    expect(next.value).toEqual(expect.any(Function));
    // Already aborted: refused before queueing.
    const dead = track(l.acquire(AbortSignal.abort()));
    await flush();
    expect((dead.error as Error).name).toBe('AbortError');
  });

  it('refuses settings that cannot work', () => {
    expect(() => limit({ maxConcurrent: 0 })).toThrow(/maxConcurrent/);
    expect(() => limit({ maxQueued: -1 })).toThrow(/maxQueued/);
    expect(() => limit({ maxWaitMs: 1.5 })).toThrow(/maxWaitMs/);
  });
});

describe('openFileLimit', () => {
  const limits = (line: string) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'limits-')), 'limits');
    fs.writeFileSync(file, `Limit                     Soft Limit           Hard Limit           Units\nMax cpu time              unlimited            unlimited            seconds\n${line}\n`);
    return file;
  };
  it('reads the soft limit of open files from /proc/<pid>/limits', () => {
    expect(openFileLimit(limits('Max open files            1024                 524288               files'))).toBe(1024);
    expect(openFileLimit(limits('Max open files            unlimited            unlimited            files'))).toBe(Number.POSITIVE_INFINITY);
    expect(openFileLimit('/nonexistent/limits')).toBeUndefined();
    expect(openFileLimit()).toBeGreaterThan(0);
  });
});
