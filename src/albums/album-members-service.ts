import type { FastifyBaseLogger } from 'fastify';
import type { AlbumMember, AlbumMembersRepository, MemberRole } from '../data/album-members.js';
import { keys } from '../data/keys.js';
import type { PublicProfile } from '../data/users.js';
import { HttpProblem } from '../lib/problem.js';
import { CursorCodec, type CursorKey } from '../photos/cursor.js';
import { canManage, type AlbumAccess, type AlbumRole } from './access.js';
import { ALBUM_DEPARTURE_JOB, ALBUM_SHARED_JOB, departureJobId, LEASE_MS, sharedJobId, type AlbumsPort, type DeparturePayload, type SharedPayload } from './album-member-jobs.js';

/** At most this many members per album (the owner not counted). */
export const MAX_MEMBERS = 50;

/** A member as the API shows it; the owner is listed with role `owner`. */
export interface MemberJson {
  userId: string;
  email: string;
  name?: string;
  role: 'owner' | MemberRole;
  addedAt: string;
}

export interface AlbumMembersDeps {
  members: AlbumMembersRepository;
  /** The caller's access to an album (src/albums/access.ts): undefined for a non-member. */
  access: (userId: string, albumId: string) => Promise<AlbumAccess | undefined>;
  users: {
    findUserIdByEmail(email: string): Promise<string | undefined>;
    forgetEmail(userId: string): Promise<void>;
    getPublicProfiles(userIds: string[]): Promise<Map<string, PublicProfile>>;
  };
  /** The albums service (describe, removeContributions); read when needed. */
  albums: () => AlbumsPort;
  /** The job queue's enqueue: one SendMessage, the only call a share or a removal adds to its answer. */
  enqueue: (type: string, payload: unknown, options: { jobId: string }) => Promise<unknown>;
  /** Takes a pending departure's photos out now (the departure job's own step). */
  completeDeparture: (albumId: string, userId: string) => Promise<void>;
  /** HMAC key of the listing cursors (at least 32 characters). */
  cursorSecret: string;
  now?: () => Date;
  maxMembers?: number;
  log?: FastifyBaseLogger;
}

const SHARED_LISTING = 'shared-albums';
const noAlbum = () => new HttpProblem('notFound', 'No such album');
const badCursor = () =>
  new HttpProblem('validation', 'querystring.cursor: is not a cursor this listing issued to you', {
    errors: [{ path: 'querystring.cursor', message: 'is not a cursor this listing issued to you' }],
  });
const emailProblem = (kind: 'notFound' | 'validation', message: string) =>
  new HttpProblem(kind, `body.email: ${message}`, { errors: [{ path: 'body.email', message }] });

/**
 * Sharing an album with other users (docs/sharing.md, "Members"): members by email, as viewer or
 * contributor; "shared with me"; leaving and removal. The owner's right is checked on every call
 * from the access resolved for it (a non-member gets 404, a member without the right 403).
 */
export class AlbumMembersService {
  private readonly now: () => Date;
  private readonly cursors: CursorCodec;
  private readonly maxMembers: number;

  constructor(private readonly deps: AlbumMembersDeps) {
    this.now = deps.now ?? (() => new Date());
    this.cursors = new CursorCodec(deps.cursorSecret);
    this.maxMembers = deps.maxMembers ?? MAX_MEMBERS;
  }

  /** Albums others share with the user, newest shared first, as the albums service describes them. */
  async sharedWithMe<A>(userId: string, limit: number, cursor?: string): Promise<{ items: A[]; nextCursor: string | null }> {
    const startKey = cursor === undefined ? undefined : this.startKey(userId, cursor);
    const { entries, lastKey } = await this.deps.members.listShared(userId, limit + 1, startKey);
    const page = entries.slice(0, limit);
    const last = page.at(-1);
    const more = entries.length > limit || (lastKey !== undefined && page.length > 0);
    const nextCursor =
      more && last
        ? this.cursors.encode(SHARED_LISTING, userId, { ...keys.sharedAlbum(userId, last.albumId), ...keys.sharedAlbumTimeline(userId, last.addedAt, last.albumId) })
        : null;
    const items = page.length === 0 ? [] : await this.deps.albums().describe(page.map((e) => ({ albumId: e.albumId, role: e.role as AlbumRole })), userId);
    return { items: items as A[], nextCursor };
  }

  /** The owner and the members, for the owner and any member. */
  async list(userId: string, albumId: string): Promise<{ items: MemberJson[] }> {
    const access = await this.deps.access(userId, albumId);
    if (!access) throw noAlbum();
    const [members, createdAt] = await Promise.all([this.deps.members.list(albumId), this.deps.members.albumCreatedAt(albumId)]);
    if (createdAt === undefined) throw noAlbum();
    const profiles = await this.deps.users.getPublicProfiles([access.ownerId, ...members.map((m) => m.userId)]);
    const owner = profiles.get(access.ownerId);
    const items: MemberJson[] = owner ? [memberJson(owner, 'owner', createdAt)] : [];
    // A member whose account is gone (deleted) is left out.
    const sorted = [...members].sort((a, b) => a.addedAt.localeCompare(b.addedAt) || a.userId.localeCompare(b.userId));
    for (const member of sorted) {
      const profile = profiles.get(member.userId);
      if (profile) items.push(memberJson(profile, member.role, member.addedAt));
    }
    return { items };
  }

  /**
   * Shares the album with the user registered with `email` (owner only), or changes their role.
   * `created` tells a new member (201) from an existing one (200).
   */
  async add(userId: string, albumId: string, input: { email: string; role: MemberRole }): Promise<{ member: MemberJson; created: boolean }> {
    const access = await this.deps.access(userId, albumId);
    if (!access) throw noAlbum();
    if (!canManage(access.role)) throw new HttpProblem('forbidden', 'Only the owner shares the album');
    const memberId = await this.deps.users.findUserIdByEmail(input.email);
    if (memberId === access.ownerId) throw emailProblem('validation', 'is your own: you own this album');
    if (memberId === undefined) throw emailProblem('notFound', 'no account is registered with this email');
    // The profile (for the answer) and the membership as it stands, in one round trip.
    const [profiles, current] = await Promise.all([this.deps.users.getPublicProfiles([memberId]), this.deps.members.get(albumId, memberId)]);
    const profile = profiles.get(memberId);
    if (!profile) throw emailProblem('notFound', 'no account is registered with this email');

    for (let attempt = 0; attempt < 4; attempt++) {
      const existing = attempt === 0 ? current : await this.deps.members.get(albumId, memberId);
      if (existing) {
        if (existing.role === input.role || (await this.deps.members.changeRole(existing, input.role))) {
          return { member: memberJson(profile, input.role, existing.addedAt), created: false };
        }
        continue;
      }
      const now = this.now();
      const member: AlbumMember & { shareDueAt: string } = {
        albumId,
        userId: memberId,
        ownerId: access.ownerId,
        role: input.role,
        addedAt: now.toISOString(),
        shareDueAt: new Date(now.getTime() + LEASE_MS).toISOString(),
      };
      const outcome = await this.deps.members.add(member, this.maxMembers);
      if (outcome === 'album-gone') throw noAlbum();
      if (outcome === 'full') throw new HttpProblem('conflict', `An album is shared with at most ${this.maxMembers} people`);
      if (outcome === 'departure-pending') {
        // The user left a moment ago and their photos are still on their way out: finish that first, or
        // its job would take out what they add as a member again.
        await this.deps.completeDeparture(albumId, memberId);
        continue;
      }
      if (outcome === 'member-exists') continue;
      const payload: SharedPayload = { albumId, ownerId: access.ownerId, memberId, role: input.role, addedAt: member.addedAt };
      await this.handOff(ALBUM_SHARED_JOB, payload, sharedJobId(payload));
      return { member: memberJson(profile, input.role, member.addedAt), created: true };
    }
    throw new HttpProblem('conflict', 'The album\'s members changed meanwhile; try again');
  }

  /**
   * Removes a member (the owner, anyone) or leaves (a member, themself). Idempotent for the owner: a
   * user who is no member is a 204 too. The member's photos leave the album through the departure job.
   */
  async remove(userId: string, albumId: string, memberId: string): Promise<void> {
    const access = await this.deps.access(userId, albumId);
    if (!access) throw noAlbum();
    if (canManage(access.role)) {
      if (memberId === userId) {
        throw new HttpProblem('validation', 'params.userId: the owner cannot leave their own album (delete it instead)', {
          errors: [{ path: 'params.userId', message: 'is the owner' }],
        });
      }
    } else if (memberId !== userId) {
      throw new HttpProblem('forbidden', 'Only the owner removes other members');
    }
    await this.endMembership(albumId, memberId);
  }

  /**
   * Account deletion (a hook of DELETE /v1/me, repeated by the caller should it fail): the address can
   * no longer be shared with, and the user leaves every album shared with them, as by leaving.
   */
  async leaveAll(userId: string): Promise<void> {
    await this.deps.users.forgetEmail(userId);
    for await (const albumIds of this.deps.members.sharedAlbumIds(userId)) {
      for (const albumId of albumIds) await this.endMembership(albumId, userId);
    }
  }

  /** Removes the membership as it stands (none: done) with its departure, then hands the departure to its job. */
  private async endMembership(albumId: string, memberId: string): Promise<void> {
    for (let attempt = 0; attempt < 4; attempt++) {
      const member = await this.deps.members.get(albumId, memberId);
      if (!member) return;
      const now = this.now();
      const removedAt = now.toISOString();
      const departure = { albumId, userId: memberId, removedAt, dueAt: new Date(now.getTime() + LEASE_MS).toISOString() };
      if (await this.deps.members.remove(member, departure)) {
        const payload: DeparturePayload = { albumId, userId: memberId, removedAt };
        await this.handOff(ALBUM_DEPARTURE_JOB, payload, departureJobId(payload));
        return;
      }
    }
    throw new HttpProblem('conflict', 'The membership changed meanwhile; try again');
  }

  /**
   * Enqueues the follow-up job. The item it works from is already durable with a due time, so a failed
   * enqueue is logged, not answered: the sweep hands the work out once it is due.
   */
  private async handOff(type: string, payload: unknown, jobId: string): Promise<void> {
    try {
      await this.deps.enqueue(type, payload, { jobId });
    } catch (error) {
      this.deps.log?.warn({ err: error, job: type }, 'job not enqueued; the sweep hands it out when due');
    }
  }

  private startKey(userId: string, cursor: string): CursorKey {
    const key = this.cursors.decode(SHARED_LISTING, userId, cursor);
    if (!key) throw badCursor();
    const names = Object.keys(key).sort().join(',');
    if (
      names !== 'GSI1PK,GSI1SK,PK,SK' ||
      key.PK !== keys.profile(userId).PK ||
      !key.SK!.startsWith(keys.sharedAlbumPrefix) ||
      key.GSI1PK !== keys.sharedAlbumTimeline(userId, '', '').GSI1PK
    ) {
      throw badCursor();
    }
    return key;
  }
}

function memberJson(profile: PublicProfile, role: MemberJson['role'], addedAt: string): MemberJson {
  return { userId: profile.userId, email: profile.email, ...(profile.name ? { name: profile.name } : {}), role, addedAt };
}
