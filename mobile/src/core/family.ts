import type { ApiClient } from './api-client';
import type { Cache, SwrResult } from './cache';
import { toApiError } from './errors';
import type { FetchQueue } from './fetch-queue';
import type { Family, FamilyView } from './sharing-types';

const FAMILY_KEY = 'family';

/** A family has at most this many members, the organiser and pending invites included (docs/sharing.md). */
export const FAMILY_MAX = 6;

export interface FamilyService {
  /** My family (or null) and the invitations addressed to me: cached at once, the server's when it answers. */
  view(): Promise<SwrResult<FamilyView>>;
  invite(email: string): Promise<void>;
  withdraw(inviteId: string): Promise<void>;
  accept(familyId: string): Promise<Family>;
  decline(familyId: string): Promise<void>;
  /** The organiser removing a member, or a member leaving. */
  removeMember(userId: string): Promise<void>;
}

export function createFamily(api: ApiClient, cache: Cache, fetches: FetchQueue): FamilyService {
  // Every change makes the saved view stale: the screen reads it again.
  const changed = <T>(work: Promise<T>): Promise<T> => work.finally(() => cache.remove(FAMILY_KEY));

  return {
    async view() {
      const result = await cache.swr<FamilyView>(FAMILY_KEY, () => api.request('get', '/v1/family'));
      const fresh = result.fresh.catch(async (error: unknown) => {
        if (toApiError(error).isNetworkError) await fetches.add({ key: FAMILY_KEY, path: '/v1/family' });
        throw error;
      });
      fresh.catch(() => undefined);
      return { cached: result.cached, fresh };
    },
    invite: (email) => changed(api.request('post', '/v1/family/invites', { body: { email: email.trim() } })).then(() => undefined),
    withdraw: (inviteId) => changed(api.request('delete', '/v1/family/invites/{inviteId}', { path: { inviteId } })),
    accept: (familyId) => changed(api.request('post', '/v1/family/invitations/{familyId}/accept', { path: { familyId } })),
    decline: (familyId) => changed(api.request('post', '/v1/family/invitations/{familyId}/decline', { path: { familyId } })),
    removeMember: (userId) => changed(api.request('delete', '/v1/family/members/{userId}', { path: { userId } })),
  };
}

/** Seats still free: members and pending invites each take one (expired invites none). */
export function seatsLeft(family: Family | null, now: number): number {
  if (!family) return FAMILY_MAX - 1;
  const pending = family.invites.filter((invite) => Date.parse(invite.expiresAt) > now).length;
  return Math.max(0, FAMILY_MAX - family.members.length - pending);
}

/** Who may invite: the organiser, or anyone without a family (who becomes its organiser). */
export function canInvite(family: Family | null, userId: string): boolean {
  return !family || family.organiserId === userId;
}

/** The other members, whom an album can be shared with in one tap. */
export function otherMembers(family: Family | null, userId: string): Family['members'] {
  return family ? family.members.filter((member) => member.userId !== userId) : [];
}
