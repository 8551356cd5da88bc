import { displayName, emailDocument, escapeHtml, FONT, MUTED, numberedSteps, type RenderedEmail } from '../lib/email-layout.js';

/**
 * The family invitation email, as a pure function (unit-tested without SES). It carries no link token:
 * the invitee accepts in the app, signed in with the invited address, so a forwarded or leaked mail
 * lets nobody in. Same layout rules as the welcome email (tables, inline styles, a 600 px column).
 */
export interface InviteEmailInput {
  /** The organiser's display name, if any. Untrusted: cleaned, and escaped in the HTML. */
  organiserName?: string;
  organiserEmail: string;
  /** The invited address (lower case). */
  email: string;
  expiresAt: string;
}

/** "14 December 2026": the day the invite expires, in UTC. */
function day(iso: string): string {
  return new Date(iso).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}

export function renderInviteEmail(input: InviteEmailInput): RenderedEmail {
  const name = displayName(input.organiserName);
  // Who invites, as the invitee can recognise them: the name with the address, or the address alone.
  const inviter = name ? `${name} (${input.organiserEmail})` : input.organiserEmail;
  const subject = name ? `${name} invited you to their family on AuroraVault` : 'You are invited to a family on AuroraVault';
  const intro = `${inviter} invited you to join their family group on AuroraVault. Family members share albums with one another in a tap.`;
  const steps = [
    `Open the AuroraVault app and sign in with ${input.email}, or sign up with this address if you have no account yet.`,
    'Go to Family: the invitation is waiting there. Accept it to join, or decline it.',
  ];
  const expiry = `The invitation expires on ${day(input.expiresAt)}.`;
  const footer = `You are receiving this email because someone invited ${input.email} to a family on AuroraVault. If you do not know them, you can ignore this message: nothing happens unless you accept.`;
  const h = escapeHtml;

  const expiryRow = `
            <tr>
              <td style="padding: 0 40px 36px 40px; font-family: ${FONT}; font-size: 15px; line-height: 22px; color: ${MUTED};">${h(expiry)}</td>
            </tr>`;
  const html = emailDocument({
    title: subject,
    preheader: `${inviter} invited you to their family.`,
    heading: 'You are invited to a family',
    intro,
    rowsHtml: numberedSteps(steps.map(h)) + expiryRow,
    footer,
  });

  const text = [
    'You are invited to a family',
    '',
    intro,
    '',
    ...steps.map((step, index) => `${index + 1}. ${step}`),
    '',
    expiry,
    '',
    '--',
    footer,
    '',
  ].join('\n');

  return { subject, html, text };
}
