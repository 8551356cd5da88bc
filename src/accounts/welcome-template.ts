/**
 * The welcome email, as a pure function: no I/O, so it is unit-tested and previewed without SES.
 *
 * Mail clients are not browsers: the HTML uses nested tables, inline styles and a 600 px column
 * (Outlook ignores max-width, hence the fixed-width inner table inside a fluid outer one), system
 * fonts, and a solid background colour behind every gradient so clients without gradients still
 * show the brand colour. The plain-text part says the same things for clients that prefer it.
 */

export interface WelcomeEmailInput {
  /** The display name the user gave, if any. Untrusted: escaped in the HTML. */
  name?: string;
  email: string;
  /** Where the "Open AuroraVault" button points; no button without it (or when it is not http(s)). */
  appUrl?: string;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export const WELCOME_SUBJECT = 'Welcome to AuroraVault';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** A name fit for a greeting or a sentence: control characters and runs of whitespace collapsed, at most 80 characters, or undefined. */
export function displayName(name: string | undefined): string | undefined {
  // eslint-disable-next-line no-control-regex
  const cleaned = name?.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ').replace(/\s+/g, ' ').trim();
  if (!cleaned) return undefined;
  return [...cleaned].length > 80 ? `${[...cleaned].slice(0, 79).join('')}…` : cleaned;
}

function safeUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

const FONT = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";
const INK = '#1f2340';
const MUTED = '#5b6079';
const BRAND = '#4338ca';

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
  const preheader = 'Your vault is ready, and your photos are private by default.';

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

  const steps = STEPS.map(
    (step, index) => `
                    <tr>
                      <td width="36" valign="top" style="padding: 0 0 16px 0;">
                        <div style="width: 26px; height: 26px; line-height: 26px; border-radius: 13px; background-color: #eef0ff; color: ${BRAND}; font-family: ${FONT}; font-size: 13px; font-weight: 700; text-align: center;">${index + 1}</div>
                      </td>
                      <td valign="top" style="padding: 2px 0 16px 0; font-family: ${FONT}; font-size: 15px; line-height: 22px; color: ${MUTED};">
                        <strong style="color: ${INK};">${h(step.title)}</strong><br>${h(step.body)}
                      </td>
                    </tr>`,
  ).join('');

  const html = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="color-scheme" content="light">
    <meta name="supported-color-schemes" content="light">
    <title>${h(WELCOME_SUBJECT)}</title>
  </head>
  <body style="margin: 0; padding: 0; background-color: #f3f4f8; -webkit-text-size-adjust: 100%;">
    <div style="display: none; max-height: 0; overflow: hidden; opacity: 0; color: transparent;">${h(preheader)}</div>
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
                <h1 style="margin: 0 0 16px 0; font-family: ${FONT}; font-size: 26px; line-height: 34px; font-weight: 700; color: ${INK};">${h(greeting)}</h1>
                <p style="margin: 0 0 24px 0; font-family: ${FONT}; font-size: 16px; line-height: 25px; color: ${MUTED};">${h(intro)}</p>
              </td>
            </tr>
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
            </tr>
            <tr>
              <td style="padding: 0 40px 8px 40px;">
                <table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">${steps}
                </table>
              </td>
            </tr>${button}
            <tr>
              <td style="padding: 16px 40px 36px 40px; font-family: ${FONT}; font-size: 16px; line-height: 25px; color: ${MUTED};">
                Happy keeping,<br><span style="color: ${INK}; font-weight: 600;">The AuroraVault team</span>
              </td>
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
