import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { FamiliesRepository } from '../../data/families.js';
import { FamilyService } from '../../family/family-service.js';
import { INVITE_EMAIL_JOB, inviteEmailJobId, registerInviteEmail, type InviteEmailPayload } from '../../family/invite-email.js';
import { MEMBER_JOINED_JOB, memberJoinedEventId, registerMemberJoined, type MemberJoinedPayload } from '../../family/member-joined.js';

declare module 'fastify' {
  interface FastifyInstance {
    family: FamilyService;
  }
}

/** Family groups: invites by email, members (docs/sharing.md). */
export default fp(
  async function family(app: FastifyInstance) {
    const { dynamo, ses, events } = app.aws;
    const { table, emailFrom, eventBusName } = app.resources;
    const families = new FamiliesRepository(dynamo, table);
    registerInviteEmail(app.jobs.registry, { dynamo, table, ses, emailFrom, families });
    registerMemberJoined(app.jobs.registry, { dynamo, table, events, eventBusName, families });
    // Deterministic job ids: queued again (a retried request, the sweep), the effect still happens once.
    const enqueueInviteEmail = async (payload: InviteEmailPayload) => {
      await app.jobs.enqueue(INVITE_EMAIL_JOB, payload, { jobId: inviteEmailJobId(payload.inviteId) });
    };
    const enqueueMemberJoined = async (payload: MemberJoinedPayload) => {
      await app.jobs.enqueue(MEMBER_JOINED_JOB, payload, { jobId: memberJoinedEventId(payload) });
    };
    const log = app.log.child({ component: 'family' });
    const service = new FamilyService({ families, profileOf: (user) => app.accounts.me(user), enqueueInviteEmail, enqueueMemberJoined, log });
    app.photos.addSweep('family', (now) => service.sweep(now));
    app.decorate('family', service);
    // A deleted account must not keep a seat, nor leave a family without its organiser.
    app.accounts.onDeleteAccount((user) => service.leaveOnAccountDeletion(user));
  },
  { name: 'family', dependencies: ['aws', 'jobs', 'accounts', 'photos'] },
);
