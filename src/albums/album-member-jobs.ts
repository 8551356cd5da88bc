import { createHash } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import type { DomainEvent } from '../aws/eventbridge.js';
import type { AlbumMembersRepository } from '../data/album-members.js';
import type { RunOnceResult } from '../jobs/idempotency.js';
import type { JobRegistry } from '../jobs/registry.js';
import { HttpProblem } from '../lib/problem.js';
import type { AlbumRole } from './access.js';

/** What the members part needs of the albums service (src/albums/albums-service.ts). */
export interface AlbumsPort {
  /** The albums as the caller sees them (with their `role`); albums that are gone are left out. */
  describe(entries: { albumId: string; role: AlbumRole }[], viewerId: string): Promise<unknown[]>;
  /** Takes every photo of `photoOwnerId` out of the album (not out of their library). Idempotent. */
  removeContributions(albumId: string, photoOwnerId: string): Promise<unknown>;
}

export const ALBUM_SHARED_JOB = 'album-shared';
export const ALBUM_DEPARTURE_JOB = 'album-departure';
export const ALBUM_SHARED_EVENT = 'AlbumShared';

/**
 * How long a share's event or a departure waits for its job before the sweep hands it out again:
 * above a job's worst case (the runOnce lease, 60 s, and the queue's redeliveries), so a job that is
 * merely slow is not doubled; the work is idempotent anyway.
 */
export const LEASE_MS = 5 * 60 * 1000;
const SWEEP_PAGE = 100;

const sharedPayload = z.object({
  albumId: z.string().min(1).max(64),
  ownerId: z.string().min(1).max(128),
  memberId: z.string().min(1).max(128),
  role: z.enum(['viewer', 'contributor']),
  addedAt: z.string().min(1).max(40),
});
export type SharedPayload = z.infer<typeof sharedPayload>;

const departurePayload = z.object({
  albumId: z.string().min(1).max(64),
  userId: z.string().min(1).max(128),
  removedAt: z.string().min(1).max(40),
});
export type DeparturePayload = z.infer<typeof departurePayload>;

/** One AlbumShared event per membership: album, member and the time they were added. */
const sharedKey = (p: Pick<SharedPayload, 'albumId' | 'memberId' | 'addedAt'>) => `album-shared:${p.albumId}:${p.memberId}:${p.addedAt}`;
export const sharedJobId = sharedKey;
export const departureJobId = (p: DeparturePayload) => `album-departure:${p.albumId}:${p.userId}:${p.removedAt}`;

/** The event's id, derived from its idempotency key: a publish repeated after a crash carries the same id. */
export function sharedEventId(p: Pick<SharedPayload, 'albumId' | 'memberId' | 'addedAt'>): string {
  const hex = createHash('sha256').update(sharedKey(p)).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export interface AlbumMemberJobsDeps {
  members: AlbumMembersRepository;
  albums: () => AlbumsPort;
  publish: (events: DomainEvent[]) => Promise<void>;
  /** runOnce on the service's table (src/jobs/idempotency.ts). */
  once: <T>(key: string, effect: () => Promise<T>) => Promise<RunOnceResult<T>>;
  enqueue: (type: string, payload: unknown, options: { jobId: string }) => Promise<unknown>;
  log: FastifyBaseLogger;
}

/**
 * The members part's background work: publishing AlbumShared once per share, and taking a departed
 * member's photos out of the album. Each starts from an item written in the request's transaction
 * with a due time on GSI2, so a lost job only delays it: the sweep hands out what is overdue.
 */
export class AlbumMemberJobs {
  constructor(private readonly deps: AlbumMemberJobsDeps) {}

  register(registry: JobRegistry): void {
    registry.register<SharedPayload>(ALBUM_SHARED_JOB, (payload) => this.publishShared(payload), { schema: sharedPayload, timeoutSeconds: 60 });
    registry.register<DeparturePayload>(ALBUM_DEPARTURE_JOB, (payload) => this.finishDeparture(payload), { schema: departurePayload, timeoutSeconds: 240 });
  }

  /** Publishes AlbumShared once (runOnce keyed by album, member and share time), then clears the due entry. */
  async publishShared(payload: SharedPayload): Promise<void> {
    const { albumId, ownerId, memberId, role } = payload;
    // Ids only, like every event: consumers ask this service for names and addresses.
    const detail = { eventId: sharedEventId(payload), albumId, ownerId, memberId, role };
    await this.deps.once(sharedKey(payload), async () => {
      await this.deps.publish([{ type: ALBUM_SHARED_EVENT, detail }]);
      return { eventId: detail.eventId };
    });
    await this.deps.members.finishShareEvent({ albumId, userId: memberId, addedAt: payload.addedAt });
  }

  /** Takes the departed member's photos out of the album, then the departure goes. */
  async finishDeparture(payload: DeparturePayload): Promise<void> {
    const departure = await this.deps.members.getDeparture(payload.albumId, payload.userId);
    // Done already, or replaced by a later departure (which has its own job).
    if (!departure || departure.removedAt !== payload.removedAt) return;
    await this.removeContributions(payload.albumId, payload.userId);
    await this.deps.members.finishDeparture(departure);
  }

  /** A pending departure of this user, finished now (a member added again must not lose new photos to it). */
  async completeDeparture(albumId: string, userId: string): Promise<void> {
    const departure = await this.deps.members.getDeparture(albumId, userId);
    if (!departure) return;
    await this.removeContributions(albumId, userId);
    await this.deps.members.finishDeparture(departure);
  }

  /**
   * Hands out what is overdue: AlbumShared events and departures whose job was lost. Each is leased
   * (its due time moved on, conditional on the one read) before its job is enqueued, so two sweeps
   * never both hand it out in one lease.
   */
  async sweep(now: Date): Promise<{ shares: number; departures: number }> {
    const before = now.toISOString();
    const next = new Date(now.getTime() + LEASE_MS).toISOString();
    let shares = 0;
    for (const member of await this.deps.members.listDueShares(before, SWEEP_PAGE)) {
      if (!(await this.deps.members.rescheduleShareEvent(member, next))) continue;
      const payload: SharedPayload = { albumId: member.albumId, ownerId: member.ownerId, memberId: member.userId, role: member.role, addedAt: member.addedAt };
      await this.deps.enqueue(ALBUM_SHARED_JOB, payload, { jobId: sharedJobId(payload) });
      shares++;
    }
    let departures = 0;
    for (const departure of await this.deps.members.listDueDepartures(before, SWEEP_PAGE)) {
      if (!(await this.deps.members.rescheduleDeparture(departure, next))) continue;
      const payload: DeparturePayload = { albumId: departure.albumId, userId: departure.userId, removedAt: departure.removedAt };
      await this.deps.enqueue(ALBUM_DEPARTURE_JOB, payload, { jobId: departureJobId(payload) });
      departures++;
    }
    if (shares + departures > 0) this.deps.log.info({ shares, departures }, 'album member work handed out again');
    return { shares, departures };
  }

  private async removeContributions(albumId: string, userId: string): Promise<void> {
    try {
      await this.deps.albums().removeContributions(albumId, userId);
    } catch (error) {
      // The album was deleted meanwhile: nothing of it is left to take the photos out of.
      if (error instanceof HttpProblem && error.statusCode === 404) return;
      throw error;
    }
  }
}
