import pino from 'pino';
import { AlbumMemberJobs, LEASE_MS, sharedEventId, type AlbumsPort } from '../../src/albums/album-member-jobs.js';
import type { AlbumDeparture, AlbumMember, AlbumMembersRepository } from '../../src/data/album-members.js';
import { HttpProblem } from '../../src/lib/problem.js';

/**
 * The members part's background work without a stack: event ids, the sweep's leases (one winner per
 * lease, nothing before it is due) and a departure whose album went meanwhile.
 */
describe('AlbumShared event ids', () => {
  const share = { albumId: 'a1', memberId: 'm1', addedAt: '2026-12-01T10:00:00.000Z' };
  it('are UUID-shaped and the same for the same share, so a repeated publish carries the same id', () => {
    expect(sharedEventId(share)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(sharedEventId({ ...share })).toBe(sharedEventId(share));
  });
  it('differ for another share of the same member (shared again later) and for another member', () => {
    expect(sharedEventId({ ...share, addedAt: '2026-12-01T10:00:00.001Z' })).not.toBe(sharedEventId(share));
    expect(sharedEventId({ ...share, memberId: 'm2' })).not.toBe(sharedEventId(share));
  });
});

describe('the album-members sweep', () => {
  const now = new Date('2026-12-01T12:00:00.000Z');
  const member: AlbumMember = { albumId: 'a1', userId: 'm1', ownerId: 'o1', role: 'contributor', addedAt: '2026-12-01T11:00:00.000Z', shareDueAt: '2026-12-01T11:05:00.000Z' };
  const departure: AlbumDeparture = { albumId: 'a1', userId: 'm2', removedAt: '2026-12-01T11:00:00.000Z', dueAt: '2026-12-01T11:05:00.000Z' };

  function jobs(options: { leaseWon: boolean; removeContributions?: AlbumsPort['removeContributions'] }) {
    const calls = { before: [] as string[], leases: [] as string[], enqueued: [] as [string, unknown, { jobId: string }][], finished: [] as AlbumDeparture[] };
    const members = {
      listDueShares: async (before: string) => {
        calls.before.push(before);
        return [member];
      },
      listDueDepartures: async () => [departure],
      rescheduleShareEvent: async (_seen: AlbumMember, dueAt: string) => {
        calls.leases.push(dueAt);
        return options.leaseWon;
      },
      rescheduleDeparture: async (_seen: AlbumDeparture, dueAt: string) => {
        calls.leases.push(dueAt);
        return options.leaseWon;
      },
      getDeparture: async () => departure,
      finishDeparture: async (seen: AlbumDeparture) => {
        calls.finished.push(seen);
        return true;
      },
    } as unknown as AlbumMembersRepository;
    const albums: AlbumsPort = { describe: async () => [], removeContributions: options.removeContributions ?? (async () => 0) };
    const subject = new AlbumMemberJobs({
      members,
      albums: () => albums,
      publish: async () => undefined,
      once: async (_key, effect) => ({ ran: true, result: await effect() }),
      enqueue: async (type, payload, opts) => {
        calls.enqueued.push([type, payload, opts]);
      },
      log: pino({ level: 'silent' }),
    });
    return { subject, calls };
  }

  it('leases what is due before now for LEASE_MS, then enqueues its job under the deterministic id', async () => {
    const { subject, calls } = jobs({ leaseWon: true });
    expect(await subject.sweep(now)).toEqual({ shares: 1, departures: 1 });
    expect(calls.before).toEqual([now.toISOString()]);
    expect(calls.leases).toEqual([new Date(now.getTime() + LEASE_MS).toISOString(), new Date(now.getTime() + LEASE_MS).toISOString()]);
    expect(calls.enqueued).toEqual([
      ['album-shared', { albumId: 'a1', ownerId: 'o1', memberId: 'm1', role: 'contributor', addedAt: member.addedAt }, { jobId: `album-shared:a1:m1:${member.addedAt}` }],
      ['album-departure', { albumId: 'a1', userId: 'm2', removedAt: departure.removedAt }, { jobId: `album-departure:a1:m2:${departure.removedAt}` }],
    ]);
  });

  it('enqueues nothing it did not lease (another sweep or the job got there first)', async () => {
    const { subject, calls } = jobs({ leaseWon: false });
    expect(await subject.sweep(now)).toEqual({ shares: 0, departures: 0 });
    expect(calls.enqueued).toEqual([]);
  });

  it('a departure whose album was deleted meanwhile is finished; any other failure keeps it for a retry', async () => {
    const gone = jobs({ leaseWon: true, removeContributions: async () => Promise.reject(new HttpProblem('notFound', 'No such album')) });
    await gone.subject.finishDeparture({ albumId: 'a1', userId: 'm2', removedAt: departure.removedAt });
    expect(gone.calls.finished).toEqual([departure]);

    const failing = jobs({ leaseWon: true, removeContributions: async () => Promise.reject(new Error('DynamoDB unavailable')) });
    await expect(failing.subject.finishDeparture({ albumId: 'a1', userId: 'm2', removedAt: departure.removedAt })).rejects.toThrow('DynamoDB unavailable');
    expect(failing.calls.finished).toEqual([]);
    // A job for an earlier departure of the same user does nothing: the later one has its own job.
    const stale = jobs({ leaseWon: true });
    await stale.subject.finishDeparture({ albumId: 'a1', userId: 'm2', removedAt: '2026-12-01T10:00:00.000Z' });
    expect(stale.calls.finished).toEqual([]);
  });
});
