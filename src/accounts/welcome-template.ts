import { BRAND, displayName, emailDocument, escapeHtml, FONT, INK, MUTED, numberedSteps, type RenderedEmail } from '../lib/email-layout.js';

/**
 * The welcome email, as a pure function (src/lib/email-layout.ts has the layout and why it is built so).
 * The plain-text part says the same things for clients that prefer it.
 */

export interface WelcomeEmailInput {
  /** The display name the user gave, if any. Untrusted: escaped in the HTML. */
  name?: string;
  email: string;
  /** Where the "Open AuroraVault" button points; no button without it (or when it is not http(s)). */
  appUrl?: string;
}

export const WELCOME_SUBJECT = 'Welcome to AuroraVault';

function safeUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

const STEPS: { title: string; body: string }[] = [
  { title: 'Upload from your phone', body: 'Photos go straight from the app into your own storage.' },
  { title: 'Find them anywhere', body: 'Your library, newest first, on every device you sign in to.' },
  { title: 'Change your mind safely', body: 'Deleted photos wait in the trash for 30 days.' },
];

export function renderWelcomeEmail(input: WelcomeEmailInput): RenderedEmail {
  const name = displayName(input.name);
  const appUrl = safeUrl(input.appUrl);
  const greeting = name ? `Welcome, ${name}!` : 'Welcome to AuroraVault!';
  const intro = 'Your account is confirmed and your vault is ready. It is a calm, safe home for the photos that matter to you.';
  const privacyTitle = 'Your photos are private by default';
  const privacy = 'Only you can see what you upload: nothing you keep here is public.';
  const footer = `You are receiving this email because an AuroraVault account was created for ${input.email}. If that was not you, you can ignore this message.`;
  const h = escapeHtml;

  const privacyNote = `
            <tr>
              <td style="padding: 0 40px 24px 40px;">
                <table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color: #f0fdfa; border-left: 4px solid #0ea5a4; border-radius: 8px;">
                  <tr>
                    <td style="padding: 16px 20px; font-family: ${FONT}; font-size: 15px; line-height: 22px; color: ${MUTED};">
                      <strong style="color: #0f766e;">${h(privacyTitle)}</strong><br>${h(privacy)}
                    </td>
                  </tr>
                </table>
              </td>
            </tr>`;
  const button = appUrl
    ? `
            <tr>
              <td style="padding: 8px 40px 8px 40px;">
                <table role="presentation" cellpadding="0" cellspacing="0" border="0">
                  <tr>
                    <td style="border-radius: 8px; background-color: ${BRAND};">
                      <a href="${h(appUrl)}" style="display: inline-block; padding: 14px 28px; font-family: ${FONT}; font-size: 16px; font-weight: 600; color: #ffffff; text-decoration: none; border-radius: 8px;">Open AuroraVault</a>
                    </td>
                  </tr>
                </table>
              </td>
            </tr>`
    : '';
  const signature = `
            <tr>
              <td style="padding: 16px 40px 36px 40px; font-family: ${FONT}; font-size: 16px; line-height: 25px; color: ${MUTED};">
                Happy keeping,<br><span style="color: ${INK}; font-weight: 600;">The AuroraVault team</span>
              </td>
            </tr>`;
  const steps = numberedSteps(STEPS.map((step) => `<strong style="color: ${INK};">${h(step.title)}</strong><br>${h(step.body)}`));

  const html = emailDocument({
    title: WELCOME_SUBJECT,
    preheader: 'Your vault is ready, and your photos are private by default.',
    heading: greeting,
    intro,
    rowsHtml: privacyNote + steps + button + signature,
    footer,
  });

  const text = [
    greeting,
    '',
    intro,
    '',
    `${privacyTitle}.`,
    privacy,
    '',
    ...STEPS.flatMap((step, index) => [`${index + 1}. ${step.title}`, `   ${step.body}`]),
    ...(appUrl ? ['', `Open AuroraVault: ${appUrl}`] : []),
    '',
    'Happy keeping,',
    'The AuroraVault team',
    '',
    '--',
    footer,
    '',
  ].join('\n');

  return { subject: WELCOME_SUBJECT, html, text };
}
