import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { publishEvents } from '../aws/eventbridge.js';
import { runOnce } from '../jobs/idempotency.js';
import type { JobContext } from '../jobs/registry.js';
import { renderWelcomeEmail } from './welcome-template.js';

/**
 * The welcome job: once an account is confirmed, send the welcome email (SES) and publish
 * `UserRegistered` (EventBridge). Delivery is at least once (redelivery, a crash between the
 * effect and the delete, a second confirm enqueueing again), so each effect goes through runOnce()
 * under a key derived from the user id: a user gets one welcome email and one event, ever.
 */
export const WELCOME_EMAIL_JOB = 'welcome-email';

/** The deterministic job id the producer passes: a second confirm enqueues the same job, not a new one. */
export function welcomeEmailJobId(userId: string): string {
  return `welcome-email:${userId}`;
}

export const welcomeEmailPayload = z.object({
  userId: z.string().min(1).max(128),
  email: z.email(),
  name: z.string().max(256).nullish(),
  /**
   * When the account was confirmed (ISO 8601). Optional: without it `registeredAt` in the event is
   * the time the event is first published, moments after the confirmation.
   */
  registeredAt: z.iso.datetime({ offset: true }).optional(),
});

export type WelcomeEmailPayload = z.infer<typeof welcomeEmailPayload>;

export const USER_REGISTERED_EVENT = 'UserRegistered';

/** Shown as the sender's name in inboxes; the address is the configured SES identity. */
const SENDER_NAME = 'AuroraVault';

/**
 * An SES failure without the recipient's address. SES error messages can name addresses
 * ("identities failed the check ...: a@b.c") and the pool logs a failed job's error, so the message
 * is scrubbed and the original error is deliberately not kept as `cause` (pino prints causes too).
 */
export class WelcomeEmailSendError extends Error {
  readonly code: string;
  readonly httpStatusCode?: number;

  constructor(original: unknown) {
    const error = original instanceof Error ? original : new Error(String(original));
    super(`SES SendEmail failed: ${error.name}: ${scrubAddresses(error.message)}`);
    this.name = 'WelcomeEmailSendError';
    this.code = error.name;
    this.httpStatusCode = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  }
}

/** An SES error message without the addresses it may quote (logs and job errors must not carry them). */
export function scrubAddresses(message: string): string {
  return message.replace(/[^\s@<>"',;:()[\]]+@[^\s@<>"',;:()[\]]+/g, '[address]');
}

interface SentMail {
  messageId: string | null;
  sentAt: string;
}

async function handleWelcomeEmail(app: FastifyInstance, payload: WelcomeEmailPayload, ctx: JobContext): Promise<void> {
  const { dynamo, ses, events } = app.aws;
  const { table, emailFrom, eventBusName } = app.resources;
  const { userId } = payload;

  // The email and the event are independent: an address SES keeps refusing must not stop other
  // systems from learning about the user, so the event is attempted even when the send failed.
  // The job still fails afterwards and is retried; by then the event's key is done and is skipped.
  let mailError: unknown;
  try {
    ctx.signal.throwIfAborted();
    const mail = await runOnce<SentMail>(dynamo, table, `welcome-email:${userId}`, async () => {
      const { subject, html, text } = renderWelcomeEmail({ name: payload.name ?? undefined, email: payload.email });
      // The job's signal is not passed on: aborting a send SES may already have accepted would
      // release the claim and invite a second email. The client's own timeouts bound the call.
      const sent = await ses
        .send(
          new SendEmailCommand({
            FromEmailAddress: `${SENDER_NAME} <${emailFrom}>`,
            Destination: { ToAddresses: [payload.email] },
            Content: {
              Simple: {
                Subject: { Data: subject, Charset: 'UTF-8' },
                Body: { Html: { Data: html, Charset: 'UTF-8' }, Text: { Data: text, Charset: 'UTF-8' } },
              },
            },
          }),
        )
        .catch((error: unknown) => {
          throw new WelcomeEmailSendError(error);
        });
      return { messageId: sent.MessageId ?? null, sentAt: new Date().toISOString() };
    });
    // Never the address: logs leave the service. The job id in ctx.log already names the user.
    ctx.log.info({ sesMessageId: mail.result.messageId, ran: mail.ran }, mail.ran ? 'welcome email sent' : 'welcome email was already sent');
  } catch (error) {
    mailError = error;
  }

  ctx.signal.throwIfAborted();
  const event = await runOnce(dynamo, table, `user-registered:${userId}`, async () => {
    const registeredAt = payload.registeredAt ?? new Date().toISOString();
    // Only the user id and the time: events fan out to other systems (analytics, partners, other
    // teams' queues) with their own retention and access rules, so personal data such as the email
    // address or the name stays here; a consumer that needs them asks this service by user id.
    await publishEvents(events, eventBusName, [{ type: USER_REGISTERED_EVENT, detail: { userId, registeredAt } }]);
    return { registeredAt };
  });
  ctx.log.info({ ran: event.ran }, event.ran ? 'UserRegistered published' : 'UserRegistered was already published');

  if (mailError !== undefined) throw mailError;
}

/** Registers the welcome job's handler; call while the app is being built (after the jobs plugin). */
export function registerWelcomeEmail(app: FastifyInstance): void {
  app.jobs.registry.register<WelcomeEmailPayload>(WELCOME_EMAIL_JOB, (payload, ctx) => handleWelcomeEmail(app, payload, ctx), {
    schema: welcomeEmailPayload,
  });
}
