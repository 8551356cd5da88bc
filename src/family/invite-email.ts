import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { scrubAddresses } from '../accounts/welcome-email.js';
import type { FamiliesRepository } from '../data/families.js';
import { emailDigest } from '../data/keys.js';
import { incrementCounter } from '../data/rate-limit-counters.js';
import { runOnce } from '../jobs/idempotency.js';
import type { JobContext, JobRegistry } from '../jobs/registry.js';
import { renderInviteEmail } from './invite-template.js';
import { isLive } from './rules.js';

/**
 * The invite email job: queued once an invite is committed (again when the same invite is asked for again,
 * and by the sweep while the invitation still owes its email), sent by SES at most once per invite (runOnce
 * keyed by the invite id), and not at all once the invite is gone (withdrawn, declined or accepted before
 * the job ran) or expired. What it says comes from the invitation item, read afresh.
 */
export const INVITE_EMAIL_JOB = 'family-invite-email';

export const inviteEmailJobId = (inviteId: string) => `family-invite-email:${inviteId}`;

export const inviteEmailPayload = z.object({
  familyId: z.string().min(1).max(64),
  inviteId: z.string().min(1).max(64),
  email: z.string().min(1).max(254),
});

export type InviteEmailPayload = z.infer<typeof inviteEmailPayload>;

const SENDER_NAME = 'AuroraVault';

/**
 * An SES failure without addresses: SES messages can name them, and the pool logs a failed job's error,
 * so the message is scrubbed and the original is deliberately not kept as `cause`.
 */
export class InviteEmailSendError extends Error {
  readonly code: string;

  constructor(original: unknown) {
    const error = original instanceof Error ? original : new Error(String(original));
    super(`SES SendEmail failed: ${error.name}: ${scrubAddresses(error.message)}`);
    this.name = 'InviteEmailSendError';
    this.code = error.name;
  }
}

export interface InviteEmailDeps {
  dynamo: DynamoDBDocumentClient;
  table: string;
  ses: SESv2Client;
  emailFrom: string;
  families: FamiliesRepository;
  now?: () => Date;
}

interface SentMail {
  messageId: string | null;
  sentAt: string;
  /** Set when the mail was not sent because a daily cap was reached (the invite stands; it shows in the app). */
  capped?: 'address' | 'organiser';
}

/**
 * Daily caps on invite emails. Invites cost nothing to withdraw and send again, so without them a
 * signed-in user could mail any address over and over, or any number of addresses, through our domain.
 */
export const INVITE_MAILS_PER_ADDRESS_PER_DAY = 5;
export const INVITE_MAILS_PER_ORGANISER_PER_DAY = 30;
const DAY_SECONDS = 24 * 3600;

export async function sendInviteEmail(deps: InviteEmailDeps, payload: InviteEmailPayload, ctx: JobContext): Promise<void> {
  ctx.signal.throwIfAborted();
  const invitation = await deps.families.invitation(payload.email, payload.familyId);
  if (invitation?.inviteId !== payload.inviteId || !isLive(invitation, (deps.now ?? (() => new Date()))())) {
    // An expired invite owes nothing any more; a replaced or removed one has no entry of its own left.
    if (invitation?.inviteId === payload.inviteId) await deps.families.finishInviteMail(invitation);
    // Never the address: logs leave the service. The job id names the invite.
    ctx.log.info('family invite no longer pending: no email');
    return;
  }
  const mail = await runOnce<SentMail>(deps.dynamo, deps.table, inviteEmailJobId(payload.inviteId), async () => {
    // Counted inside the effect: an invite mailed once counts once, however often its job runs.
    const start = Math.floor(Date.now() / 1000 / DAY_SECONDS) * DAY_SECONDS;
    const day = { start, end: start + DAY_SECONDS };
    const toAddress = await incrementCounter(deps.dynamo, deps.table, 'family-invite-mail', emailDigest(invitation.email), day);
    if (toAddress > INVITE_MAILS_PER_ADDRESS_PER_DAY) return { messageId: null, sentAt: new Date().toISOString(), capped: 'address' };
    const byOrganiser = await incrementCounter(deps.dynamo, deps.table, 'family-invite-mail-by', invitation.organiserId, day);
    if (byOrganiser > INVITE_MAILS_PER_ORGANISER_PER_DAY) return { messageId: null, sentAt: new Date().toISOString(), capped: 'organiser' };
    const { subject, html, text } = renderInviteEmail({
      organiserName: invitation.organiserName,
      organiserEmail: invitation.organiserEmail,
      email: invitation.email,
      expiresAt: invitation.expiresAt,
    });
    // Not aborted by the job's signal: a send SES may already have accepted must not release the claim.
    const sent = await deps.ses
      .send(
        new SendEmailCommand({
          FromEmailAddress: `${SENDER_NAME} <${deps.emailFrom}>`,
          Destination: { ToAddresses: [invitation.email] },
          Content: {
            Simple: {
              Subject: { Data: subject, Charset: 'UTF-8' },
              Body: { Html: { Data: html, Charset: 'UTF-8' }, Text: { Data: text, Charset: 'UTF-8' } },
            },
          },
        }),
      )
      .catch((error: unknown) => {
        throw new InviteEmailSendError(error);
      });
    return { messageId: sent.MessageId ?? null, sentAt: new Date().toISOString() };
  });
  await deps.families.finishInviteMail(invitation);
  if (mail.result.capped) ctx.log.warn({ capped: mail.result.capped }, 'family invite email not sent: daily cap reached');
  else ctx.log.info({ sesMessageId: mail.result.messageId, ran: mail.ran }, mail.ran ? 'family invite email sent' : 'family invite email was already sent');
}

export function registerInviteEmail(registry: JobRegistry, deps: InviteEmailDeps): void {
  registry.register<InviteEmailPayload>(INVITE_EMAIL_JOB, (payload, ctx) => sendInviteEmail(deps, payload, ctx), { schema: inviteEmailPayload });
}
