import { escapeHtml } from '../../src/lib/email-layout.js';
import { renderWelcomeEmail, WELCOME_SUBJECT } from '../../src/accounts/welcome-template.js';
import { visibleText } from '../helpers/email.js';

describe('renderWelcomeEmail', () => {
  it('greets the user by name in both parts, under a fixed subject', () => {
    const mail = renderWelcomeEmail({ name: 'Ada Lovelace', email: 'ada@example.com' });
    expect(mail.subject).toBe(WELCOME_SUBJECT);
    expect(mail.subject).toBe('Welcome to AuroraVault');
    expect(visibleText(mail.html)).toContain('Welcome, Ada Lovelace!');
    expect(mail.text.split('\n')[0]).toBe('Welcome, Ada Lovelace!');
  });

  it('falls back to a greeting without a name when there is none, or only blanks', () => {
    for (const name of [undefined, '', '   \n\t ']) {
      const mail = renderWelcomeEmail({ name, email: 'ada@example.com' });
      expect(visibleText(mail.html)).toContain('Welcome to AuroraVault!');
      expect(mail.text.split('\n')[0]).toBe('Welcome to AuroraVault!');
      expect(mail.html).not.toContain('Welcome, ');
      expect(mail.text).not.toContain('undefined');
      expect(mail.html).not.toContain('undefined');
    }
  });

  it('escapes the name: markup in it comes out as text, never as markup', () => {
    const name = `<script>alert("x")</script> & <img src=x onerror='y'>`;
    const mail = renderWelcomeEmail({ name, email: 'ada@example.com' });
    expect(mail.html).not.toContain('<script');
    expect(mail.html).not.toContain('<img');
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=&#39;y&#39;&gt;');
    // The reader still sees exactly what they typed; the plain-text part needs no escaping.
    expect(visibleText(mail.html)).toContain(`Welcome, ${name}!`);
    expect(mail.text).toContain(`Welcome, ${name}!`);
  });

  it('escapes the address too, and keeps control characters out of the greeting', () => {
    const mail = renderWelcomeEmail({ name: 'Ada\r\nBcc: evil@example.com', email: '"a<b>"@example.com' });
    expect(mail.html).toContain('&quot;a&lt;b&gt;&quot;@example.com');
    expect(mail.text.split('\n')[0]).toBe('Welcome, Ada Bcc: evil@example.com!');
  });

  it('shortens a very long name', () => {
    const mail = renderWelcomeEmail({ name: 'A'.repeat(500), email: 'ada@example.com' });
    expect(mail.text.split('\n')[0]).toBe(`Welcome, ${'A'.repeat(79)}…!`);
  });

  it('says the same things in both parts: privacy by default, what to do next, who it was sent to', () => {
    const mail = renderWelcomeEmail({ name: 'Ada', email: 'ada@example.com' });
    const html = visibleText(mail.html);
    for (const phrase of [
      'Your photos are private by default',
      'Only you can see what you upload',
      'Upload from your phone',
      'Deleted photos wait in the trash for 30 days',
      'The AuroraVault team',
      'created for ada@example.com',
    ]) {
      expect(html).toContain(phrase);
      expect(mail.text).toContain(phrase);
    }
  });

  it('is an email-client-friendly document: tables, inline styles, a 600 px column, no scripts or external CSS', () => {
    const { html } = renderWelcomeEmail({ name: 'Ada', email: 'ada@example.com' });
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('role="presentation"');
    expect(html).toContain('max-width: 600px');
    expect(html).toContain('AuroraVault');
    expect(html).not.toMatch(/<script|<link|<style|class=/);
    expect(html.match(/<h1[ >]/g)).toHaveLength(1);
  });

  it('links a button to appUrl when given, and only to http(s) URLs', () => {
    const withUrl = renderWelcomeEmail({ email: 'ada@example.com', appUrl: 'https://app.example.com/?a=1&b="2"' });
    expect(withUrl.html).toContain('href="https://app.example.com/?a=1&amp;b=%222%22"');
    expect(withUrl.text).toContain('Open AuroraVault: https://app.example.com/?a=1&b=%222%22');

    for (const appUrl of [undefined, 'javascript:alert(1)', 'not a url']) {
      const mail = renderWelcomeEmail({ email: 'ada@example.com', appUrl });
      expect(mail.html).not.toContain('href=');
      expect(mail.text).not.toContain('Open AuroraVault:');
    }
  });
});

describe('escapeHtml', () => {
  it('escapes the five characters that matter in content and quoted attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
    expect(escapeHtml('Zoë 📷')).toBe('Zoë 📷');
  });
});
