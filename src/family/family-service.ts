import type { FastifyBaseLogger } from 'fastify';
import { newId } from '../albums/ids.js';
import type { AuthenticatedUser } from '../auth/token-verifier.js';
import type { FamiliesRepository, InvitationRecord, Organiser } from '../data/families.js';
import type { Profile } from '../data/users.js';
import { HttpProblem } from '../lib/problem.js';
import type { FamilyInviteJson, FamilyJson, FamilyViewJson } from '../schemas/family.js';
import type { InviteEmailPayload } from './invite-email.js';
import type { MemberJoinedPayload } from './member-joined.js';
import { sweepFamily } from './sweep.js';
import {
  decideInvite,
  decideRemoval,
  DUE_LEASE_MS,
  inviteExpiry,
  isLive,
  normaliseEmail,
  type FamilyInviteRecord,
  type FamilyMemberRecord,
  type FamilyState,
} from './rules.js';

export interface FamilyDeps {
  families: FamiliesRepository;
  /** The signed-in user's profile (its email is what invitations are matched against). */
  profileOf: (user: AuthenticatedUser) => Promise<Profile>;
  /** Queues the invite's email (a deterministic job per invite: sent once however often it is queued). */
  enqueueInviteEmail: (payload: InviteEmailPayload) => Promise<void>;
  /** Queues FamilyMemberJoined (a deterministic job per join: published once). */
  enqueueMemberJoined: (payload: MemberJoinedPayload) => Promise<void>;
  now?: () => Date;
  log?: FastifyBaseLogger;
}

/**
 * Transactions that lost a race are decided again on a fresh read; concurrent invites and joins of one
 * family all update its item, so a few of them in a row may conflict.
 */
const MAX_ATTEMPTS = 8;

const notFound = (what = 'No such family') => new HttpProblem('notFound', what);
const forbidden = (what: string) => new HttpProblem('forbidden', what);
const conflict = (what: string) => new HttpProblem('conflict', what);
const busy = () => conflict('The family changed meanwhile; try again');

/** A short pause before deciding again, spread so that racing requests do not collide once more. */
const backoff = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));

const organiserOf = (profile: Profile): Organiser => ({ userId: profile.userId, email: profile.email, ...(profile.name ? { name: profile.name } : {}) });

/**
 * Family groups (docs/sharing.md, "Family"): a user founds one by inviting, invitees join by accepting
 * while signed in with the invited address, at most 6 members with pending invites counted, one family
 * per user. Decisions are the pure functions of rules.ts; the repository's conditions make them hold.
 */
export class FamilyService {
  private readonly now: () => Date;

  constructor(private readonly deps: FamilyDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** My family (or null) and the live invitations addressed to my email. */
  async view(user: AuthenticatedUser): Promise<FamilyViewJson> {
    const profile = await this.deps.profileOf(user);
    const [state, invitations] = await Promise.all([this.stateOf(user.userId), this.deps.families.invitations(profile.email)]);
    const now = this.now();
    return {
      family: state ? this.toJson(state.state) : null,
      invitations: invitations.filter((invitation) => isLive(invitation, now)).map(invitationJson),
    };
  }

  /** Invites `email`; a user without a family founds one. `created` false: that address's pending invite. */
  async invite(user: AuthenticatedUser, email: string): Promise<{ created: boolean; invite: FamilyInviteJson }> {
    const profile = await this.deps.profileOf(user);
    const from = organiserOf(profile);
    const address = normaliseEmail(email);
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const now = this.now();
      const current = await this.stateOf(user.userId);
      const invite: FamilyInviteRecord = {
        familyId: current?.familyId ?? newId(now.getTime()),
        inviteId: newId(now.getTime()),
        email: address,
        invitedAt: now.toISOString(),
        expiresAt: inviteExpiry(now),
      };
      // Owed until the email job is done; the sweep hands it out again past this time.
      const mailDueAt = dueAfter(now);
      let written: boolean;
      if (!current) {
        if (normaliseEmail(profile.email) === address) throw conflict('You cannot invite yourself');
        const organiser: FamilyMemberRecord = { familyId: invite.familyId, userId: user.userId, email: profile.email, ...nameOf(profile), role: 'organiser', joinedAt: invite.invitedAt };
        const head = { familyId: invite.familyId, organiserId: user.userId, createdAt: invite.invitedAt, seats: 2, memberCount: 1 };
        written = await this.deps.families.create(head, organiser, invite, from, mailDueAt);
      } else {
        const decision = decideInvite(current.state, user.userId, address, now);
        switch (decision.kind) {
          case 'forbidden':
            throw forbidden('Only the organiser invites');
          case 'already-member':
            throw conflict('That address belongs to a member of the family');
          case 'full':
            throw conflict('The family is full: 6 members, pending invites included');
          case 'existing':
            // A retried request (or a second tap) gets the pending invite; its email job is queued again
            // in case the first request failed after its commit, and runOnce sends it once in all.
            await this.mailInvite(decision.invite);
            return { created: false, invite: inviteJson(decision.invite) };
          case 'invite':
            written = await this.deps.families.addInvite(user.userId, invite, from, mailDueAt, decision.reclaim, decision.seatLimit);
        }
      }
      if (written) {
        await this.mailInvite(invite);
        return { created: true, invite: inviteJson(invite) };
      }
      await backoff(attempt);
    }
    throw busy();
  }

  /** The organiser withdraws a pending (or expired) invite. */
  async withdraw(user: AuthenticatedUser, inviteId: string): Promise<void> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const current = await this.stateOf(user.userId);
      if (!current) throw notFound();
      if (current.state.head.organiserId !== user.userId) throw forbidden('Only the organiser withdraws invites');
      const invite = current.state.invites.find((candidate) => candidate.inviteId === inviteId);
      if (!invite) throw notFound('No such invite');
      if (await this.deps.families.removeInvite(invite)) return;
      await backoff(attempt);
    }
    throw busy();
  }

  /**
   * The signed-in invitee joins the family they were invited to (matched by their profile's email).
   * Accepting again once in is answered with the family, and queues the event again (published once).
   */
  async accept(user: AuthenticatedUser, familyId: string): Promise<FamilyJson> {
    const profile = await this.deps.profileOf(user);
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const now = this.now();
      const [invite, mine] = await Promise.all([this.deps.families.invite(familyId, profile.email), this.deps.families.familyOf(user.userId)]);
      if (!invite || !isLive(invite, now)) {
        const state = mine === familyId ? await this.deps.families.load(familyId) : undefined;
        const member = state?.members.find((candidate) => candidate.userId === user.userId);
        if (!state || !member) throw notFound('No invitation to this family');
        await this.announce(state, member);
        return this.toJson(state);
      }
      if (mine !== undefined) throw conflict('You already belong to a family: leave it first');
      const member: FamilyMemberRecord = {
        familyId,
        userId: user.userId,
        email: profile.email,
        ...nameOf(profile),
        role: 'member',
        joinedAt: now.toISOString(),
        // Owed until FamilyMemberJoined is out; the sweep hands it out again past this time.
        eventDueAt: dueAfter(now),
      };
      if (await this.deps.families.accept(invite, member, now)) {
        const state = await this.deps.families.load(familyId);
        if (!state) throw notFound('No invitation to this family');
        await this.announce(state, member);
        return this.toJson(state);
      }
      await backoff(attempt);
    }
    throw busy();
  }

  /** The invitee declines: the invite goes and its seat is free. */
  async decline(user: AuthenticatedUser, familyId: string): Promise<void> {
    const profile = await this.deps.profileOf(user);
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const invite = await this.deps.families.invite(familyId, profile.email);
      if (!invite) throw notFound('No invitation to this family');
      if (await this.deps.families.removeInvite(invite)) return;
      await backoff(attempt);
    }
    throw busy();
  }

  /** The organiser removes a member; a member removes themself (leaving); the organiser alone dissolves the family. */
  async removeMember(user: AuthenticatedUser, userId: string): Promise<void> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const current = await this.stateOf(user.userId);
      if (!current) throw notFound();
      const decision = decideRemoval(current.state, user.userId, userId);
      let written: boolean;
      switch (decision.kind) {
        case 'not-found':
          throw notFound('No such member');
        case 'forbidden':
          throw forbidden('Only the organiser removes other members');
        case 'organiser-not-alone':
          throw conflict('The organiser can leave only once the other members have left or been removed');
        case 'dissolve':
          written = await this.deps.families.dissolve(current.state);
          break;
        case 'remove':
          written = await this.deps.families.removeMember(decision.member);
      }
      if (written) {
        this.deps.log?.info({ familyId: current.familyId, outcome: decision.kind }, 'family member removed');
        return;
      }
      await backoff(attempt);
    }
    throw busy();
  }

  /**
   * An account being deleted leaves its family at once (DELETE /v1/me runs this before the account goes;
   * repeating it is harmless): a member is removed; an organiser's family is dissolved, so its other
   * members are free to found or join another. Invitations to the address expire on their own.
   */
  async leaveOnAccountDeletion(user: AuthenticatedUser): Promise<void> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const current = await this.stateOf(user.userId);
      if (!current) return;
      const { state } = current;
      const member = state.members.find((candidate) => candidate.userId === user.userId)!;
      const written = state.head.organiserId === user.userId ? await this.deps.families.dissolve(state) : await this.deps.families.removeMember(member);
      if (written) return;
      await backoff(attempt);
    }
    throw busy();
  }

  /** Hands out the emails and events whose job was lost (run by the library's sweep timer). */
  async sweep(now = this.now()): Promise<{ mails: number; events: number }> {
    return sweepFamily(this.deps, now);
  }

  /** The caller's family, read whole; undefined when they have none. */
  private async stateOf(userId: string): Promise<{ familyId: string; state: FamilyState } | undefined> {
    const familyId = await this.deps.families.familyOf(userId);
    if (familyId === undefined) return undefined;
    const state = await this.deps.families.load(familyId);
    return state && state.members.some((member) => member.userId === userId) ? { familyId, state } : undefined;
  }

  private async mailInvite(invite: FamilyInviteRecord): Promise<void> {
    await this.deps.enqueueInviteEmail({ familyId: invite.familyId, inviteId: invite.inviteId, email: invite.email });
  }

  private async announce(state: FamilyState, member: FamilyMemberRecord): Promise<void> {
    await this.deps.enqueueMemberJoined({ familyId: state.head.familyId, organiserId: state.head.organiserId, memberId: member.userId, joinedAt: member.joinedAt });
  }

  private toJson(state: FamilyState): FamilyJson {
    const now = this.now();
    const rank = (member: FamilyMemberRecord) => (member.role === 'organiser' ? 0 : 1);
    return {
      id: state.head.familyId,
      organiserId: state.head.organiserId,
      members: [...state.members]
        .sort((a, b) => rank(a) - rank(b) || a.joinedAt.localeCompare(b.joinedAt))
        .map((member) => ({ userId: member.userId, email: member.email, ...nameOf(member), role: member.role, joinedAt: member.joinedAt })),
      invites: state.invites.filter((invite) => isLive(invite, now)).sort((a, b) => a.invitedAt.localeCompare(b.invitedAt)).map(inviteJson),
    };
  }
}

const dueAfter = (now: Date) => new Date(now.getTime() + DUE_LEASE_MS).toISOString();

const nameOf = (holder: { name?: string | null }) => (holder.name ? { name: holder.name } : {});

function inviteJson(invite: FamilyInviteRecord): FamilyInviteJson {
  return { id: invite.inviteId, email: invite.email, invitedAt: invite.invitedAt, expiresAt: invite.expiresAt };
}

function invitationJson(invitation: InvitationRecord) {
  return {
    familyId: invitation.familyId,
    organiserId: invitation.organiserId,
    organiserEmail: invitation.organiserEmail,
    ...(invitation.organiserName ? { organiserName: invitation.organiserName } : {}),
    invitedAt: invitation.invitedAt,
    expiresAt: invitation.expiresAt,
  };
}
