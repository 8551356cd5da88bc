import type { FastifyBaseLogger } from 'fastify';
import { POLL_OVERLAP_MS, RevocationSync, type RevocationFeedReader } from '../../src/auth/revocation-sync.js';
import type { RevocationState } from '../../src/auth/revocation-view.js';

const T0 = 1_800_000_000_000; // ms
const WINDOW = 3600;
const sec = (ms: number) => Math.floor(ms / 1000);

/** The feed as DynamoDB would answer it: every entry whose time is at or after `since`, once it is written. */
class FakeFeed implements RevocationFeedReader {
  readonly entries: { writtenAt: number; state: RevocationState }[] = [];
  readonly reads: { since: number; now: number }[] = [];
  failing = false;

  write(writtenAt: number, state: Partial<RevocationState> & { userId: string }): void {
    this.entries.push({ writtenAt, state: { revokedBefore: sec(writtenAt), revocationId: 'r', sessions: [], version: 1, ...state } });
  }

  async readSince(since: number, now: number): Promise<RevocationState[]> {
    this.reads.push({ since, now });
    if (this.failing) throw Object.assign(new Error('injected'), { name: 'InternalServerError' });
    return this.entries.filter((e) => e.writtenAt >= since).map((e) => e.state);
  }
}

function setup() {
  const feed = new FakeFeed();
  const clock = { now: T0 };
  const log = { warn: jest.fn(), info: jest.fn() } as unknown as FastifyBaseLogger & { warn: jest.Mock; info: jest.Mock };
  const sync = new RevocationSync({ feed, pollIntervalMs: 1000, staleAfterMs: 3000, log, windowSeconds: WINDOW, now: () => clock.now });
  const tokenOf = (sub: string, iatMs: number) => ({ sub, iat: sec(iatMs), jti: `jti-${sub}` });
  return { feed, clock, log, sync, tokenOf };
}

describe('RevocationSync', () => {
  it('loads the live window at start, then reads only what was written since (with an overlap for late writes)', async () => {
    const { feed, clock, sync, tokenOf } = setup();
    feed.write(T0 - 1800_000, { userId: 'half-an-hour-ago' });
    feed.write(T0 - 2 * 3600_000, { userId: 'long-ago' });
    await sync.poll();
    expect(feed.reads[0]).toEqual({ since: T0 - WINDOW * 1000 - POLL_OVERLAP_MS, now: T0 });
    expect(sync.verdict(tokenOf('half-an-hour-ago', T0 - 3600_000))).toBe('refused');
    expect(sync.view.get('long-ago')).toBeUndefined();

    // A write stamped just before the first poll but durable only after it: the next poll still sees it.
    feed.write(T0 - 500, { userId: 'late' });
    clock.now = T0 + 1000;
    await sync.poll();
    expect(feed.reads[1]).toEqual({ since: T0 - POLL_OVERLAP_MS, now: T0 + 1000 });
    expect(sync.verdict(tokenOf('late', T0 - 2000))).toBe('refused');
    expect(sync.verdict(tokenOf('late', T0 + 1000))).toBe('accepted');
  });

  it("revocations this process wrote hold at once, before any poll", async () => {
    const { clock, sync, tokenOf } = setup();
    await sync.poll();
    clock.now = T0 + 200;
    sync.applyWritten({ userId: 'u', revokedBefore: sec(clock.now), revocationId: 'r', sessions: [], version: 1 });
    expect(sync.verdict(tokenOf('u', T0 - 1000))).toBe('refused');
  });

  it('what the record says is learnt: its state, and a refusal in the revoked second (asked once, not per request)', async () => {
    const { clock, sync, tokenOf } = setup();
    await sync.poll();
    const second = sec(clock.now);
    const record = { revokedBefore: second, revocationId: 'r2', sessions: ['jti-new'], version: 7 };
    const stolen = { sub: 'u', iat: second, jti: 'jti-old' };
    expect(sync.verdict(stolen)).toBe('accepted'); // the feed has not brought it yet
    expect(sync.decideFromRecord(stolen, record)).toBe('refused');
    expect(sync.verdict(stolen)).toBe('refused');
    expect(sync.verdict({ sub: 'u', iat: second, jti: 'jti-new' })).toBe('accepted');
    expect(sync.verdict(tokenOf('u', clock.now - 1000))).toBe('refused');
    expect(sync.decideFromRecord(tokenOf('nobody', clock.now), undefined)).toBe('accepted');
  });

  it('never decides on a view it cannot vouch for: past the bound without a successful poll, the record decides every token', async () => {
    const { feed, clock, log, sync, tokenOf } = setup();
    feed.write(T0 - 10_000, { userId: 'revoked' });
    await sync.poll();
    feed.failing = true;

    clock.now = T0 + 1000;
    expect(await sync.poll()).toBe(false);
    clock.now = T0 + 3000; // one failed poll, still within the bound
    expect(sync.isCurrent()).toBe(true);
    expect(sync.verdict(tokenOf('someone', T0))).toBe('accepted');
    expect(sync.verdict(tokenOf('revoked', T0 - 20_000))).toBe('refused');

    clock.now = T0 + 3001;
    expect(sync.isCurrent()).toBe(false);
    expect(sync.verdict(tokenOf('someone', T0))).toBe('ask-record');
    expect(sync.verdict(tokenOf('revoked', T0 - 20_000))).toBe('ask-record');
    expect(log.warn).toHaveBeenCalledWith(expect.anything(), expect.stringMatching(/not current/));

    // Back: the poll reads everything since the last good one, and the view decides again.
    feed.failing = false;
    feed.write(T0 + 2000, { userId: 'while-down' });
    clock.now = T0 + 5000;
    expect(await sync.poll()).toBe(true);
    expect(feed.reads.at(-1)!.since).toBe(T0 - POLL_OVERLAP_MS);
    expect(sync.verdict(tokenOf('while-down', T0))).toBe('refused');
    expect(sync.verdict(tokenOf('someone', T0))).toBe('accepted');
  });

  it('a window that could not be loaded at start is loaded by the next poll; until then the record decides', async () => {
    const { feed, clock, sync, tokenOf } = setup();
    feed.failing = true;
    await sync.start();
    expect(sync.verdict(tokenOf('someone', T0))).toBe('ask-record');
    feed.failing = false;
    clock.now = T0 + 1000;
    await sync.poll();
    expect(feed.reads.at(-1)!.since).toBe(T0 + 1000 - WINDOW * 1000 - POLL_OVERLAP_MS);
    expect(sync.verdict(tokenOf('someone', T0))).toBe('accepted');
    await sync.stop();
  });

  it('polls once per interval whatever happens in between, and stop() ends it (then the record decides)', async () => {
    jest.useFakeTimers();
    try {
      const { feed, sync, tokenOf, clock } = setup();
      await sync.start();
      expect(feed.reads).toHaveLength(1);
      for (let i = 0; i < 1000; i++) sync.verdict(tokenOf('someone', T0));
      await jest.advanceTimersByTimeAsync(3500);
      expect(feed.reads).toHaveLength(4);

      await sync.stop();
      await jest.advanceTimersByTimeAsync(10_000);
      expect(feed.reads).toHaveLength(4);
      clock.now = T0;
      expect(sync.verdict(tokenOf('someone', T0))).toBe('ask-record');
    } finally {
      jest.useRealTimers();
    }
  });

  it('forgets revocations once they leave the window', async () => {
    const { feed, clock, sync } = setup();
    feed.write(T0 - 1000, { userId: 'u' });
    await sync.poll();
    expect(sync.view.size).toBe(1);
    clock.now = T0 + WINDOW * 1000 + 1000;
    await sync.poll();
    expect(sync.view.size).toBe(0);
  });
});
