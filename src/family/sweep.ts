import type { FastifyBaseLogger } from 'fastify';
import type { FamiliesRepository } from '../data/families.js';
import type { InviteEmailPayload } from './invite-email.js';
import type { MemberJoinedPayload } from './member-joined.js';
import { DUE_LEASE_MS, isLive } from './rules.js';

export interface FamilySweepDeps {
  families: FamiliesRepository;
  enqueueInviteEmail: (payload: InviteEmailPayload) => Promise<void>;
  enqueueMemberJoined: (payload: MemberJoinedPayload) => Promise<void>;
  log?: FastifyBaseLogger;
}

const SWEEP_PAGE = 100;

/**
 * Hands out the invite emails and FamilyMemberJoined events whose job was lost (a crash between the commit
 * and the enqueue, a message gone to the DLQ): each owed item carries a due time on GSI2, set in the
 * request's transaction. Each is leased (its due time moved on, conditional on the one read) before its
 * job is queued, so two sweeps never both hand it out in one lease; the jobs are idempotent besides.
 */
export async function sweepFamily(deps: FamilySweepDeps, now: Date): Promise<{ mails: number; events: number }> {
  const before = now.toISOString();
  const next = new Date(now.getTime() + DUE_LEASE_MS).toISOString();
  let mails = 0;
  for (const invitation of await deps.families.dueInviteMails(before, SWEEP_PAGE)) {
    if (!isLive(invitation, now)) {
      // Expired before its email went out: nothing is owed any more.
      await deps.families.finishInviteMail(invitation);
      continue;
    }
    if (!(await deps.families.rescheduleInviteMail(invitation, next))) continue;
    await deps.enqueueInviteEmail({ familyId: invitation.familyId, inviteId: invitation.inviteId, email: invitation.email });
    mails++;
  }
  let events = 0;
  for (const member of await deps.families.dueJoinedEvents(before, SWEEP_PAGE)) {
    if (!(await deps.families.rescheduleJoinedEvent(member, next))) continue;
    // The organiser never changes while a family exists, and the due entry leaves with the member.
    const family = await deps.families.load(member.familyId);
    if (!family) continue;
    await deps.enqueueMemberJoined({ familyId: member.familyId, organiserId: family.head.organiserId, memberId: member.userId, joinedAt: member.joinedAt });
    events++;
  }
  if (mails + events > 0) deps.log?.info({ mails, events }, 'family emails and events handed out again');
  return { mails, events };
}
