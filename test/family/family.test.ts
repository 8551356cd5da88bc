import type { FastifyInstance } from 'fastify';
import type { RecordedEvent } from '../../src/local/eventbridge.js';
import { FamiliesRepository } from '../../src/data/families.js';
import { FamilyService } from '../../src/family/family-service.js';
import { INVITE_EMAIL_JOB, INVITE_MAILS_PER_ADDRESS_PER_DAY, inviteEmailJobId, type InviteEmailPayload } from '../../src/family/invite-email.js';
import { INVITE_DAYS } from '../../src/family/rules.js';
import type { JobContext } from '../../src/jobs/registry.js';
import type { FamilyJson, FamilyViewJson, FamilyInviteJson } from '../../src/schemas/family.js';
import { client, mailTo, registeredUser, startAccountsApp, uniqueEmail, type ApiClient } from '../helpers/accounts.js';
import { queueDepth, waitFor } from '../jobs/helpers.js';

type User = Awaited<ReturnType<typeof registeredUser>>;
type Problem = { status: number; type: string; detail?: string };

/**
 * Family groups end to end over HTTP against the local stack, with the app's own job workers on a
 * private queue: invite emails really go out through SES and FamilyMemberJoined through EventBridge.
 */
describe('family groups: /v1/family', () => {
  let server: Awaited<ReturnType<typeof startAccountsApp>>;
  let app: FastifyInstance;
  let api: ApiClient;

  beforeAll(async () => {
    server = await startAccountsApp({ SWEEP_INTERVAL_SECONDS: '0' });
    app = server.app;
    api = client(server.url);
  });
  afterAll(() => server.close());

  /** Up to five fresh accounts, registered at once. */
  const users = async (count: 2 | 3 | 4 | 5, label: string) =>
    (await Promise.all(Array.from({ length: count }, (_, n) => registeredUser(api, `${label}${n}`)))) as [User, User, User, User, User];
  const view = async (user: User) => {
    const answer = await api.get<FamilyViewJson>('/v1/family', user.accessToken);
    expect(answer.status).toBe(200);
    return answer.body;
  };
  const invite = (user: User, email: string) => api.post<FamilyInviteJson & Problem>('/v1/family/invites', { email }, user.accessToken);
  const accept = (user: User, familyId: string) => api.post<FamilyJson & Problem>(`/v1/family/invitations/${familyId}/accept`, undefined, user.accessToken);
  const decline = (user: User, familyId: string) => api.post<Problem>(`/v1/family/invitations/${familyId}/decline`, undefined, user.accessToken);
  const remove = (user: User, userId: string) => api.delete<Problem>(`/v1/family/members/${userId}`, user.accessToken);
  const withdraw = (user: User, inviteId: string) => api.delete<Problem>(`/v1/family/invites/${inviteId}`, user.accessToken);
  const statuses = (answers: { status: number }[]) => answers.map((answer) => answer.status).sort();
  const inviteMails = async (email: string) => (await mailTo(api, email)).filter((mail) => /family/i.test(mail.subject));
  const drained = () => waitFor(async () => (await queueDepth(app.aws.sqs, app.resources.queueUrl)) === 0, 15_000, 'the job queue to drain');
  const joinedEvents = async (memberId: string) => {
    const events = (await (await fetch(new URL('/events', app.config.aws.endpoints.eventbridge))).json()) as RecordedEvent[];
    return events.filter((event) => event['detail-type'] === 'FamilyMemberJoined' && (event.detail as { memberId: string }).memberId === memberId);
  };
  /** Founds a family of the organiser and the given members (each invited and accepted). */
  async function familyOf(organiser: User, members: User[]): Promise<string> {
    let familyId = '';
    for (const member of members) {
      expect((await invite(organiser, member.email)).status).toBe(201);
      familyId ||= (await view(organiser)).family!.id;
      expect((await accept(member, familyId)).status).toBe(200);
    }
    return familyId;
  }

  it('invite -> one email -> the invitee (any case of the address) sees it, accepts -> both see the family; FamilyMemberJoined once', async () => {
    const [organiser, invitee] = await users(2, 'fam-flow');
    const before = Date.now();
    const invited = await invite(organiser, invitee.email.toUpperCase());
    expect(invited.status).toBe(201);
    const address = invitee.email.toLowerCase();
    expect(invited.body).toEqual({ id: expect.any(String), email: address, invitedAt: expect.any(String), expiresAt: expect.any(String) });
    expect(Date.parse(invited.body.expiresAt) - Date.parse(invited.body.invitedAt)).toBe(INVITE_DAYS * 24 * 3600 * 1000);
    expect(Date.parse(invited.body.invitedAt)).toBeGreaterThanOrEqual(before - 1000);

    // Asked again (another spelling): the same invite, not a second one, and not a second email.
    const again = await invite(organiser, address);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(invited.body);

    await waitFor(async () => (await inviteMails(invitee.email)).length > 0, 15_000, 'the invite email');
    await drained();
    const familyId = (await view(organiser)).family!.id;
    // The job delivered twice more (redelivery, a retried request): still one email.
    const payload: InviteEmailPayload = { familyId, inviteId: invited.body.id, email: address };
    const ctx = { jobId: inviteEmailJobId(invited.body.id), type: INVITE_EMAIL_JOB, receiveCount: 2, log: app.log, signal: new AbortController().signal } satisfies JobContext;
    await app.jobs.registry.get(INVITE_EMAIL_JOB)!.handler(payload, ctx);
    await app.jobs.enqueue(INVITE_EMAIL_JOB, payload, { jobId: ctx.jobId });
    await drained();
    const mails = await inviteMails(invitee.email);
    expect(mails).toHaveLength(1);
    const [mail] = mails;
    expect(mail!.subject).toBe('Ada Lovelace invited you to their family on AuroraVault');
    expect(mail!.text).toContain(`Ada Lovelace (${organiser.email.toLowerCase()})`);
    expect(mail!.text).toContain(`sign in with ${address}, or sign up with this address`);
    // Acceptance is by signed-in address: the mail carries no id or token to act on.
    expect(`${mail!.text}${mail!.html}`).not.toContain(familyId);
    expect(`${mail!.text}${mail!.html}`).not.toContain(invited.body.id);

    const organiserView = await view(organiser);
    expect(organiserView).toEqual({
      family: {
        id: familyId,
        organiserId: organiser.userId,
        members: [{ userId: organiser.userId, email: organiser.email.toLowerCase(), name: 'Ada Lovelace', role: 'organiser', joinedAt: expect.any(String) }],
        invites: [invited.body],
      },
      invitations: [],
    });
    expect(await view(invitee)).toEqual({
      family: null,
      invitations: [
        {
          familyId,
          organiserId: organiser.userId,
          organiserEmail: organiser.email.toLowerCase(),
          organiserName: 'Ada Lovelace',
          invitedAt: invited.body.invitedAt,
          expiresAt: invited.body.expiresAt,
        },
      ],
    });

    const joined = await accept(invitee, familyId);
    expect(joined.status).toBe(200);
    const family = {
      id: familyId,
      organiserId: organiser.userId,
      members: [
        organiserView.family!.members[0],
        { userId: invitee.userId, email: address, name: 'Ada Lovelace', role: 'member', joinedAt: expect.any(String) },
      ],
      invites: [],
    };
    expect(joined.body).toEqual(family);
    expect(await view(organiser)).toEqual({ family, invitations: [] });
    expect(await view(invitee)).toEqual({ family, invitations: [] });
    // Accepting again (a retried request) answers the family and publishes nothing new.
    expect(await accept(invitee, familyId)).toMatchObject({ status: 200, body: family });

    await waitFor(async () => (await joinedEvents(invitee.userId)).length > 0, 15_000, 'FamilyMemberJoined');
    await drained();
    const events = await joinedEvents(invitee.userId);
    expect(events).toHaveLength(1);
    expect(events[0]!.detail).toEqual({ eventId: expect.stringContaining(familyId), familyId, organiserId: organiser.userId, memberId: invitee.userId });
  }, 60_000);

  it(`an address gets at most ${INVITE_MAILS_PER_ADDRESS_PER_DAY} invite emails a day, however often it is invited and withdrawn`, async () => {
    const organiser = await registeredUser(api, 'fam-cap');
    const address = uniqueEmail('fam-cap-target').toLowerCase();
    for (let n = 1; n <= INVITE_MAILS_PER_ADDRESS_PER_DAY; n++) {
      const invited = await invite(organiser, address);
      expect(invited.status).toBe(201);
      await waitFor(async () => (await inviteMails(address)).length === n, 15_000, `invite email ${n}`);
      expect((await withdraw(organiser, invited.body.id)).status).toBe(204);
    }
    const last = await invite(organiser, address);
    expect(last.status).toBe(201);
    await drained();
    expect(await inviteMails(address)).toHaveLength(INVITE_MAILS_PER_ADDRESS_PER_DAY);
    // The invite itself stands: the invitee finds it in the app.
    expect((await view(organiser)).family!.invites).toEqual([last.body]);
  }, 60_000);

  it('decline: the invitation goes, its seat is free, accepting it afterwards is a 404', async () => {
    const [organiser, invitee] = await users(2, 'fam-decline');
    const invited = await invite(organiser, invitee.email);
    expect(invited.status).toBe(201);
    const familyId = (await view(organiser)).family!.id;
    expect((await decline(invitee, familyId)).status).toBe(204);
    expect(await view(invitee)).toEqual({ family: null, invitations: [] });
    expect((await view(organiser)).family!.invites).toEqual([]);
    expect(await accept(invitee, familyId)).toMatchObject({ status: 404, body: { type: expect.stringMatching(/not-found$/) } });
    expect((await decline(invitee, familyId)).status).toBe(404);
    // The seat is free: five invites fit beside the organiser.
    for (let n = 0; n < 5; n++) expect((await invite(organiser, uniqueEmail(`fam-decline-${n}`))).status).toBe(201);
    expect((await invite(organiser, uniqueEmail('fam-decline-6'))).status).toBe(409);
  }, 60_000);

  it('6 at most, pending invites counted: the 7th is refused; a withdrawn invite frees its seat and cannot be accepted; members cannot invite, withdraw or remove', async () => {
    const [organiser, first, second, withdrawn] = await users(4, 'fam-full');
    const familyId = await familyOf(organiser, [first, second]);
    const pending = [];
    for (let n = 0; n < 2; n++) pending.push((await invite(organiser, uniqueEmail(`fam-full-${n}`))).body);
    const last = await invite(organiser, withdrawn.email);
    expect(last.status).toBe(201);
    // 3 members + 3 pending invites = 6.
    const full = await invite(organiser, uniqueEmail('fam-full-7'));
    expect(full.status).toBe(409);
    expect(full.body.detail).toMatch(/full/);

    expect((await invite(first, uniqueEmail('fam-full-by-member'))).status).toBe(403);
    expect((await withdraw(first, last.body.id)).status).toBe(403);
    expect((await remove(first, second.userId)).status).toBe(403);
    expect((await remove(first, organiser.userId)).status).toBe(403);

    expect((await withdraw(organiser, last.body.id)).status).toBe(204);
    expect((await withdraw(organiser, last.body.id)).status).toBe(404);
    expect((await view(withdrawn)).invitations).toEqual([]);
    expect((await accept(withdrawn, familyId)).status).toBe(404);
    expect((await view(organiser)).family!.invites.map((i) => i.id).sort()).toEqual(pending.map((i) => i.id).sort());
    // The freed seat takes one invite, then the family is full again.
    expect((await invite(organiser, uniqueEmail('fam-full-8'))).status).toBe(201);
    expect((await invite(organiser, uniqueEmail('fam-full-9'))).status).toBe(409);
    // Inviting a member's address (or one's own) is a conflict, not a new seat.
    expect((await invite(organiser, first.email.toUpperCase())).status).toBe(409);
    expect((await invite(organiser, organiser.email)).status).toBe(409);
  }, 60_000);

  it('racing invites and accepts never take the family past 6', async () => {
    const [organiser, a, b, c] = await users(4, 'fam-race');
    // Eight invites at once by a user without a family: one family is founded, five invites fit.
    const racing = await Promise.all(Array.from({ length: 8 }, (_, n) => invite(organiser, n < 3 ? [a, b, c][n]!.email : uniqueEmail(`fam-race-${n}`))));
    expect(statuses(racing)).toEqual([201, 201, 201, 201, 201, 409, 409, 409]);
    const state = (await view(organiser)).family!;
    expect(state.members).toHaveLength(1);
    expect(state.invites).toHaveLength(5);
    const invitedUsers = [a, b, c].filter((user) => state.invites.some((i) => i.email === user.email.toLowerCase()));
    // Accepts racing new invites: the accepts hold seats already, the invites find none.
    const answers = await Promise.all([...invitedUsers.map((user) => accept(user, state.id)), ...[0, 1, 2].map((n) => invite(organiser, uniqueEmail(`fam-race-more-${n}`)))]);
    expect(answers.slice(0, invitedUsers.length).map((answer) => answer.status)).toEqual(invitedUsers.map(() => 200));
    expect(answers.slice(invitedUsers.length).map((answer) => answer.status)).toEqual([409, 409, 409]);
    const after = (await view(organiser)).family!;
    expect(after.members).toHaveLength(1 + invitedUsers.length);
    expect(after.members.length + after.invites.length).toBe(6);
  }, 60_000);

  it('one family per user: racing accepts of two families join one; a member cannot found another', async () => {
    const [first, second, invitee] = await users(3, 'fam-one');
    expect((await invite(first, invitee.email)).status).toBe(201);
    expect((await invite(second, invitee.email)).status).toBe(201);
    const [one, two] = [(await view(first)).family!.id, (await view(second)).family!.id];
    expect(one).not.toBe(two);
    expect((await view(invitee)).invitations.map((i) => i.familyId).sort()).toEqual([one, two].sort());
    const answers = await Promise.all([accept(invitee, one), accept(invitee, two)]);
    expect(statuses(answers)).toEqual([200, 409]);
    const joined = answers.find((answer) => answer.status === 200)!.body.id;
    const mine = await view(invitee);
    expect(mine.family!.id).toBe(joined);
    // The other invitation stays listed (it can be declined, or accepted after leaving).
    expect(mine.invitations.map((i) => i.familyId)).toEqual([joined === one ? two : one]);
    // An organiser belongs to their family too: invited elsewhere, they cannot accept.
    const [joinedOrganiser, otherOrganiser] = joined === one ? [first, second] : [second, first];
    expect((await invite(otherOrganiser, joinedOrganiser.email)).status).toBe(201);
    expect((await accept(joinedOrganiser, joined === one ? two : one)).status).toBe(409);
    expect((await invite(invitee, uniqueEmail('fam-one-own'))).status).toBe(403);
  }, 60_000);

  it('leave, removal, the organiser leaves only alone (dissolving the family); outsiders get 404', async () => {
    const [organiser, leaver, removed, invitee, outsider] = await users(5, 'fam-leave');
    const familyId = await familyOf(organiser, [leaver, removed]);
    expect((await invite(organiser, invitee.email)).status).toBe(201);

    // Not in the family, not invited: as if it did not exist.
    expect((await accept(outsider, familyId)).status).toBe(404);
    expect((await decline(outsider, familyId)).status).toBe(404);
    expect((await remove(outsider, leaver.userId)).status).toBe(404);
    expect((await remove(outsider, outsider.userId)).status).toBe(404);
    expect((await withdraw(outsider, 'nosuchinvite')).status).toBe(404);
    expect((await remove(organiser, outsider.userId)).status).toBe(404);

    expect((await remove(organiser, organiser.userId)).status).toBe(409);
    expect((await remove(leaver, leaver.userId)).status).toBe(204);
    expect(await view(leaver)).toEqual({ family: null, invitations: [] });
    expect((await remove(organiser, removed.userId)).status).toBe(204);
    expect((await view(removed)).family).toBeNull();
    expect((await remove(removed, organiser.userId)).status).toBe(404);
    expect((await view(organiser)).family!.members.map((m) => m.userId)).toEqual([organiser.userId]);

    // Alone (one invite pending): the organiser leaves and the family is gone, its invite with it.
    expect((await remove(organiser, organiser.userId)).status).toBe(204);
    expect(await view(organiser)).toEqual({ family: null, invitations: [] });
    expect(await view(invitee)).toEqual({ family: null, invitations: [] });
    expect((await accept(invitee, familyId)).status).toBe(404);
    // Everyone is free again: the former member founds a family of their own.
    expect((await invite(leaver, organiser.email)).status).toBe(201);
  }, 60_000);

  it('a deleted account leaves its family: a member frees their seat, an organiser\'s family is dissolved', async () => {
    const [organiser, member, other, invitee] = await users(4, 'fam-deleted');
    const familyId = await familyOf(organiser, [member, other]);
    expect((await invite(organiser, invitee.email)).status).toBe(201);
    expect((await api.delete('/v1/me', member.accessToken)).status).toBe(202);
    expect((await view(organiser)).family!.members.map((m) => m.userId)).toEqual([organiser.userId, other.userId]);

    expect((await api.delete('/v1/me', organiser.accessToken)).status).toBe(202);
    expect(await view(other)).toEqual({ family: null, invitations: [] });
    expect((await view(invitee)).invitations).toEqual([]);
    expect((await accept(invitee, familyId)).status).toBe(404);
    // Free again: the former member founds a family of their own.
    expect((await invite(other, invitee.email)).status).toBe(201);
  }, 60_000);

  it('an expired invite takes no seat, is not listed and cannot be accepted; inviting again replaces it', async () => {
    const [organiser, invitee] = await users(2, 'fam-expired');
    // The same service and table, on a clock 15 days back: its invite is expired now.
    const past = new FamilyService({
      families: new FamiliesRepository(app.aws.dynamo, app.resources.table),
      profileOf: (user) => app.accounts.me(user),
      enqueueInviteEmail: async () => {},
      enqueueMemberJoined: async () => {},
      now: () => new Date(Date.now() - (INVITE_DAYS + 1) * 24 * 3600 * 1000),
    });
    const asUser = (user: User) => ({ userId: user.userId, username: user.email, issuedAt: 0 });
    const old = await past.invite(asUser(organiser), invitee.email);
    for (let n = 0; n < 4; n++) await past.invite(asUser(organiser), uniqueEmail(`fam-expired-${n}`));
    const familyId = (await view(organiser)).family!.id;
    expect((await view(organiser)).family!.invites).toEqual([]);
    expect((await view(invitee)).invitations).toEqual([]);
    expect((await accept(invitee, familyId)).status).toBe(404);

    // Five live invites fit beside the organiser: the five expired ones are reclaimed as they go.
    const fresh = await invite(organiser, invitee.email);
    expect(fresh.status).toBe(201);
    expect(fresh.body.id).not.toBe(old.invite.id);
    for (let n = 0; n < 4; n++) expect((await invite(organiser, uniqueEmail(`fam-expired-new-${n}`))).status).toBe(201);
    expect((await invite(organiser, uniqueEmail('fam-expired-7'))).status).toBe(409);
    expect((await accept(invitee, familyId)).status).toBe(200);
  }, 60_000);
});
