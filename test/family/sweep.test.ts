import { PurgeQueueCommand } from '@aws-sdk/client-sqs';
import type { FastifyInstance } from 'fastify';
import { INVITE_EMAIL_JOB } from '../../src/family/invite-email.js';
import { MEMBER_JOINED_JOB } from '../../src/family/member-joined.js';
import { DUE_LEASE_MS } from '../../src/family/rules.js';
import { parseEnvelope, type JobEnvelope } from '../../src/jobs/job-queue.js';
import type { JobContext } from '../../src/jobs/registry.js';
import type { RecordedEvent } from '../../src/local/eventbridge.js';
import { client, mailTo, registeredUser, startAccountsApp, type ApiClient } from '../helpers/accounts.js';
import { receiveAll } from '../jobs/helpers.js';

/**
 * Lost jobs: the invite email and FamilyMemberJoined are owed by items written in the request's own
 * transaction (a GSI2 due time), so when their job is lost (here: the queue purged right after the
 * request, as a crash before SendMessage would leave it) the sweep hands them out again, once per lease,
 * and nothing more once the job has run. Workers are off and the table is the test's own, so the sweep,
 * run at a moved clock, sees only these items and the test runs each job itself.
 */
describe('family: the sweep re-enqueues lost email and event jobs', () => {
  let server: Awaited<ReturnType<typeof startAccountsApp>>;
  let app: FastifyInstance;
  let api: ApiClient;

  beforeAll(async () => {
    server = await startAccountsApp({ WORKER_CONCURRENCY: '0', SWEEP_INTERVAL_SECONDS: '0' }, { privateTable: true });
    app = server.app;
    api = client(server.url);
  });
  afterAll(() => server.close());

  const loseJobs = () => app.aws.sqs.send(new PurgeQueueCommand({ QueueUrl: app.resources.queueUrl }));
  const later = (ms: number) => new Date(Date.now() + ms);
  /** Receives the jobs the sweep queued and runs each the way the pool would. */
  async function runQueued(count: number): Promise<JobEnvelope[]> {
    const envelopes = (await receiveAll(app.aws.sqs, app.resources.queueUrl, count, 5000)).map((message) => parseEnvelope(message.Body)!);
    for (const envelope of envelopes) {
      const ctx = { jobId: envelope.id, type: envelope.type, receiveCount: 1, log: app.log, signal: new AbortController().signal } satisfies JobContext;
      await app.jobs.registry.get(envelope.type)!.handler(envelope.payload, ctx);
    }
    return envelopes;
  }
  const inviteMails = async (email: string) => (await mailTo(api, email)).filter((mail) => /family/i.test(mail.subject));
  const joinedEvents = async (memberId: string) => {
    const events = (await (await fetch(new URL('/events', app.config.aws.endpoints.eventbridge))).json()) as RecordedEvent[];
    return events.filter((event) => event['detail-type'] === 'FamilyMemberJoined' && (event.detail as { memberId: string }).memberId === memberId);
  };

  it('an invite email and a FamilyMemberJoined whose jobs were lost go out once, after the lease', async () => {
    const [organiser, invitee] = await Promise.all([registeredUser(api, 'fam-sweep-org'), registeredUser(api, 'fam-sweep-inv')]);
    await loseJobs(); // the welcome jobs are not this test's business
    const invited = await api.post<{ id: string }>('/v1/family/invites', { email: invitee.email }, organiser.accessToken);
    expect(invited.status).toBe(201);
    await loseJobs();

    // Within the lease the job may still be on its way: nothing is handed out.
    expect(await app.family.sweep(later(0))).toEqual({ mails: 0, events: 0 });
    expect(await app.family.sweep(later(DUE_LEASE_MS + 60_000))).toEqual({ mails: 1, events: 0 });
    // Leased: a second sweep in the same lease hands out nothing.
    expect(await app.family.sweep(later(DUE_LEASE_MS + 60_000))).toEqual({ mails: 0, events: 0 });
    const [mailJob] = await runQueued(1);
    expect(mailJob).toMatchObject({ type: INVITE_EMAIL_JOB, payload: { inviteId: invited.body.id } });
    expect(await inviteMails(invitee.email)).toHaveLength(1);
    // Done: later sweeps find nothing owed, and the job run again sends nothing.
    expect(await app.family.sweep(later(3 * DUE_LEASE_MS))).toEqual({ mails: 0, events: 0 });
    await app.jobs.registry.get(INVITE_EMAIL_JOB)!.handler(mailJob!.payload, { jobId: mailJob!.id, type: INVITE_EMAIL_JOB, receiveCount: 2, log: app.log, signal: new AbortController().signal });
    expect(await inviteMails(invitee.email)).toHaveLength(1);

    const familyId = (await api.get<{ family: { id: string } }>('/v1/family', organiser.accessToken)).body.family.id;
    expect((await api.post(`/v1/family/invitations/${familyId}/accept`, undefined, invitee.accessToken)).status).toBe(200);
    await loseJobs();
    expect(await app.family.sweep(later(0))).toEqual({ mails: 0, events: 0 });
    expect(await app.family.sweep(later(DUE_LEASE_MS + 60_000))).toEqual({ mails: 0, events: 1 });
    const [eventJob] = await runQueued(1);
    expect(eventJob).toMatchObject({ type: MEMBER_JOINED_JOB, payload: { familyId, organiserId: organiser.userId, memberId: invitee.userId } });
    const events = await joinedEvents(invitee.userId);
    expect(events.map((event) => event.detail)).toEqual([{ eventId: expect.any(String), familyId, organiserId: organiser.userId, memberId: invitee.userId }]);
    expect(await app.family.sweep(later(3 * DUE_LEASE_MS))).toEqual({ mails: 0, events: 0 });
  }, 60_000);

  it('an invite that expired before its email went out is dropped by the sweep, not mailed', async () => {
    const [organiser] = await Promise.all([registeredUser(api, 'fam-sweep-exp')]);
    await loseJobs();
    const email = `fam-sweep-expired-${Date.now()}@example.com`;
    expect((await api.post('/v1/family/invites', { email }, organiser.accessToken)).status).toBe(201);
    await loseJobs();
    expect(await app.family.sweep(later(15 * 24 * 3600 * 1000))).toEqual({ mails: 0, events: 0 });
    expect(await app.family.sweep(later(16 * 24 * 3600 * 1000))).toEqual({ mails: 0, events: 0 });
    expect(await inviteMails(email)).toEqual([]);
  }, 60_000);
});
