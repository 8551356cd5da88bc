/**
 * The rules of a family group as plain functions of what was read (docs/sharing.md, "Family"): the
 * service decides with them, the repository's transaction conditions make the decision hold under races.
 */

/** Members, the organiser included; pending (unexpired) invites take a seat each. */
export const FAMILY_MAX_MEMBERS = 6;
export const INVITE_DAYS = 14;
const DAY_MS = 24 * 3600 * 1000;
/**
 * How long an owed email or event waits for its job before the sweep hands it out again: above a job's
 * worst case (the runOnce lease, 60 s, and the queue's first redeliveries), so a slow job is not doubled;
 * the effects are idempotent anyway.
 */
export const DUE_LEASE_MS = 5 * 60 * 1000;

/** The same normalisation as sign-up and emailDigest: invites match a profile's email whatever its case. */
export const normaliseEmail = (email: string) => email.trim().toLowerCase();

export type FamilyRole = 'organiser' | 'member';

export interface FamilyMemberRecord {
  familyId: string;
  userId: string;
  email: string;
  name?: string;
  role: FamilyRole;
  joinedAt: string;
  /** Set while the FamilyMemberJoined event of this join is owed (mirrored in GSI2 `DUE#FAMILYJOINED`). */
  eventDueAt?: string;
}

export interface FamilyInviteRecord {
  familyId: string;
  inviteId: string;
  /** Normalised (lower case). */
  email: string;
  invitedAt: string;
  expiresAt: string;
}

export interface FamilyHead {
  familyId: string;
  organiserId: string;
  createdAt: string;
  /**
   * Members plus invite items (expired ones included until an invite reclaims them): one number, so that
   * a single condition on the family item (`seats <= :limit`) bounds the family under concurrent invites.
   */
  seats: number;
  memberCount: number;
}

/** The whole family partition: the family item, its members and its invites (at most 1 + 6 + 5 items). */
export interface FamilyState {
  head: FamilyHead;
  members: FamilyMemberRecord[];
  invites: FamilyInviteRecord[];
}

export const inviteExpiry = (invitedAt: Date) => new Date(invitedAt.getTime() + INVITE_DAYS * DAY_MS).toISOString();

/** ISO 8601 strings of one format compare as the instants they name. */
export const isLive = (invite: Pick<FamilyInviteRecord, 'expiresAt'>, now: Date) => invite.expiresAt > now.toISOString();

export type InviteDecision =
  | { kind: 'forbidden' }
  | { kind: 'already-member' }
  | { kind: 'existing'; invite: FamilyInviteRecord }
  | { kind: 'full' }
  /** Add an invite; `reclaim` are the expired invites its transaction deletes (one may be this email's). */
  | { kind: 'invite'; reclaim: FamilyInviteRecord[]; seatLimit: number };

/**
 * What inviting `email` into `state` by `callerId` comes to. The seat limit is the highest seat count
 * the family item may hold before this transaction: it frees one seat per reclaimed invite and takes one.
 */
export function decideInvite(state: FamilyState, callerId: string, email: string, now: Date): InviteDecision {
  if (state.head.organiserId !== callerId) return { kind: 'forbidden' };
  const wanted = normaliseEmail(email);
  if (state.members.some((member) => normaliseEmail(member.email) === wanted)) return { kind: 'already-member' };
  const pending = state.invites.find((invite) => invite.email === wanted && isLive(invite, now));
  if (pending) return { kind: 'existing', invite: pending };
  const reclaim = state.invites.filter((invite) => !isLive(invite, now));
  const live = state.invites.length - reclaim.length;
  if (state.members.length + live >= FAMILY_MAX_MEMBERS) return { kind: 'full' };
  return { kind: 'invite', reclaim, seatLimit: FAMILY_MAX_MEMBERS - 1 + reclaim.length };
}

export type RemovalDecision =
  | { kind: 'not-found' }
  | { kind: 'forbidden' }
  /** The organiser may leave only once alone: it dissolves the family (its pending invites go with it). */
  | { kind: 'organiser-not-alone' }
  | { kind: 'dissolve' }
  | { kind: 'remove'; member: FamilyMemberRecord };

/** What DELETE /family/members/{userId} by `callerId` comes to (the caller is a member of `state`). */
export function decideRemoval(state: FamilyState, callerId: string, userId: string): RemovalDecision {
  const target = state.members.find((member) => member.userId === userId);
  if (!target) return { kind: 'not-found' };
  const organiser = state.head.organiserId === callerId;
  if (userId === callerId) {
    if (!organiser) return { kind: 'remove', member: target };
    return state.members.length > 1 ? { kind: 'organiser-not-alone' } : { kind: 'dissolve' };
  }
  return organiser ? { kind: 'remove', member: target } : { kind: 'forbidden' };
}
