import { displayName, escapeHtml, type RenderedEmail } from '../accounts/welcome-template.js';

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

const FONT = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";
const INK = '#1f2340';
const MUTED = '#5b6079';
const BRAND = '#4338ca';

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

  const stepRows = steps
    .map(
      (step, index) => `
                    <tr>
                      <td width="36" valign="top" style="padding: 0 0 16px 0;">
                        <div style="width: 26px; height: 26px; line-height: 26px; border-radius: 13px; background-color: #eef0ff; color: ${BRAND}; font-family: ${FONT}; font-size: 13px; font-weight: 700; text-align: center;">${index + 1}</div>
                      </td>
                      <td valign="top" style="padding: 2px 0 16px 0; font-family: ${FONT}; font-size: 15px; line-height: 22px; color: ${MUTED};">${h(step)}</td>
                    </tr>`,
    )
    .join('');

  const html = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="color-scheme" content="light">
    <meta name="supported-color-schemes" content="light">
    <title>${h(subject)}</title>
  </head>
  <body style="margin: 0; padding: 0; background-color: #f3f4f8; -webkit-text-size-adjust: 100%;">
    <div style="display: none; max-height: 0; overflow: hidden; opacity: 0; color: transparent;">${h(`${inviter} invited you to their family.`)}</div>
    <table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color: #f3f4f8;">
      <tr>
        <td align="center" style="padding: 32px 12px;">
          <table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="width: 100%; max-width: 600px; background-color: #ffffff; border-radius: 14px; overflow: hidden; border: 1px solid #e4e6f0;">
            <tr>
              <td style="background-color: ${BRAND}; background-image: linear-gradient(135deg, #4338ca 0%, #7c3aed 55%, #0ea5a4 100%); padding: 28px 40px;">
                <span style="font-family: ${FONT}; font-size: 22px; font-weight: 700; letter-spacing: 0.3px; color: #ffffff;">&#10022;&nbsp;AuroraVault</span>
              </td>
            </tr>
            <tr>
              <td style="padding: 36px 40px 8px 40px;">
                <h1 style="margin: 0 0 16px 0; font-family: ${FONT}; font-size: 24px; line-height: 32px; font-weight: 700; color: ${INK};">You are invited to a family</h1>
                <p style="margin: 0 0 24px 0; font-family: ${FONT}; font-size: 16px; line-height: 25px; color: ${MUTED};">${h(intro)}</p>
              </td>
            </tr>
            <tr>
              <td style="padding: 0 40px 8px 40px;">
                <table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">${stepRows}
                </table>
              </td>
            </tr>
            <tr>
              <td style="padding: 0 40px 36px 40px; font-family: ${FONT}; font-size: 15px; line-height: 22px; color: ${MUTED};">${h(expiry)}</td>
            </tr>
          </table>
          <table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="width: 100%; max-width: 600px;">
            <tr>
              <td style="padding: 20px 40px; font-family: ${FONT}; font-size: 12px; line-height: 18px; color: #8a8fa8; text-align: center;">${h(footer)}</td>
            </tr>
          </table>
        </td>
      </tr>
    </table>
  </body>
</html>
`;

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
