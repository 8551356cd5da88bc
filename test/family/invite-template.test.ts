import { renderInviteEmail } from '../../src/family/invite-template.js';
import { visibleText } from '../helpers/email.js';

const base = { organiserEmail: 'ada@example.com', email: 'grace@example.com', expiresAt: '2026-12-15T10:00:00.000Z' };

describe('renderInviteEmail', () => {
  it('says who invites, to sign in (or up) with the invited address and accept in the app, and when it expires, in both parts', () => {
    const mail = renderInviteEmail({ ...base, organiserName: 'Ada Lovelace' });
    expect(mail.subject).toBe('Ada Lovelace invited you to their family on AuroraVault');
    for (const part of [mail.text, visibleText(mail.html)]) {
      expect(part).toContain('Ada Lovelace (ada@example.com) invited you to join their family group');
      expect(part).toContain('sign in with grace@example.com, or sign up with this address');
      expect(part).toContain('Accept it to join');
      expect(part).toContain('expires on 15 December 2026');
    }
    // Nothing to click that would act on the invite: acceptance is in the app, signed in.
    expect(mail.html).not.toMatch(/<a\s/i);
    expect(mail.text).not.toMatch(/https?:\/\//);
  });

  it('names the organiser by address alone when they have no name', () => {
    for (const organiserName of [undefined, '', ' \n\t ']) {
      const mail = renderInviteEmail({ ...base, organiserName });
      expect(mail.subject).toBe('You are invited to a family on AuroraVault');
      expect(mail.text).toContain('ada@example.com invited you to join');
      expect(`${mail.subject}${mail.text}${mail.html}`).not.toContain('undefined');
    }
  });

  it('escapes the name in the HTML (markup comes out as text), and keeps line breaks out of the subject', () => {
    const name = `<script>alert("x")</script> & <img src=x onerror='y'>`;
    const mail = renderInviteEmail({ ...base, organiserName: name });
    expect(mail.html).not.toContain('<script');
    expect(mail.html).not.toContain('<img');
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=&#39;y&#39;&gt;');
    expect(visibleText(mail.html)).toContain(`${name} (ada@example.com) invited you`);
    expect(mail.text).toContain(`${name} (ada@example.com) invited you`);

    const injected = renderInviteEmail({ ...base, organiserName: 'Ada\r\nBcc: evil@example.com' });
    expect(injected.subject).toBe('Ada Bcc: evil@example.com invited you to their family on AuroraVault');
    expect(injected.subject).not.toMatch(/[\r\n]/);
  });

  it('escapes the addresses too, and shortens a very long name', () => {
    const mail = renderInviteEmail({ ...base, organiserEmail: '"a<b>"@example.com', organiserName: 'A'.repeat(500) });
    expect(mail.html).toContain('&quot;a&lt;b&gt;&quot;@example.com');
    expect(mail.html).not.toContain('"a<b>"');
    expect(mail.subject).toBe(`${'A'.repeat(79)}… invited you to their family on AuroraVault`);
  });
});
