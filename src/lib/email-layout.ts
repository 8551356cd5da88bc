/**
 * The layout every email of ours shares, as pure functions: no I/O, so templates are unit-tested and
 * previewed without SES.
 *
 * Mail clients are not browsers: the HTML uses nested tables, inline styles and a 600 px column
 * (Outlook ignores max-width, hence the fixed-width inner table inside a fluid outer one), system
 * fonts, and a solid background colour behind every gradient so clients without gradients still
 * show the brand colour. Each template also writes a plain-text part saying the same things.
 */

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export const FONT = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";
export const INK = '#1f2340';
export const MUTED = '#5b6079';
export const BRAND = '#4338ca';

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

/** A numbered list as a table row of the column; each step is HTML the caller escaped. */
export function numberedSteps(stepsHtml: string[]): string {
  const rows = stepsHtml
    .map(
      (step, index) => `
                    <tr>
                      <td width="36" valign="top" style="padding: 0 0 16px 0;">
                        <div style="width: 26px; height: 26px; line-height: 26px; border-radius: 13px; background-color: #eef0ff; color: ${BRAND}; font-family: ${FONT}; font-size: 13px; font-weight: 700; text-align: center;">${index + 1}</div>
                      </td>
                      <td valign="top" style="padding: 2px 0 16px 0; font-family: ${FONT}; font-size: 15px; line-height: 22px; color: ${MUTED};">${step}</td>
                    </tr>`,
    )
    .join('');
  return `
            <tr>
              <td style="padding: 0 40px 8px 40px;">
                <table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">${rows}
                </table>
              </td>
            </tr>`;
}

export interface EmailDocument {
  /** The document's title (the subject). Text. */
  title: string;
  /** What inboxes show after the subject. Text. */
  preheader: string;
  heading: string;
  intro: string;
  /** Table rows of the column between the intro and its end (steps, notes, a button, a signature): HTML. */
  rowsHtml: string;
  /** Why the reader got this email, under the column. Text. */
  footer: string;
}

/** The whole HTML document: brand banner, heading, intro, the template's rows, and the footer. Text fields are escaped here. */
export function emailDocument(doc: EmailDocument): string {
  const h = escapeHtml;
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="color-scheme" content="light">
    <meta name="supported-color-schemes" content="light">
    <title>${h(doc.title)}</title>
  </head>
  <body style="margin: 0; padding: 0; background-color: #f3f4f8; -webkit-text-size-adjust: 100%;">
    <div style="display: none; max-height: 0; overflow: hidden; opacity: 0; color: transparent;">${h(doc.preheader)}</div>
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
                <h1 style="margin: 0 0 16px 0; font-family: ${FONT}; font-size: 26px; line-height: 34px; font-weight: 700; color: ${INK};">${h(doc.heading)}</h1>
                <p style="margin: 0 0 24px 0; font-family: ${FONT}; font-size: 16px; line-height: 25px; color: ${MUTED};">${h(doc.intro)}</p>
              </td>
            </tr>${doc.rowsHtml}
          </table>
          <table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="width: 100%; max-width: 600px;">
            <tr>
              <td style="padding: 20px 40px; font-family: ${FONT}; font-size: 12px; line-height: 18px; color: #8a8fa8; text-align: center;">${h(doc.footer)}</td>
            </tr>
          </table>
        </td>
      </tr>
    </table>
  </body>
</html>
`;
}
