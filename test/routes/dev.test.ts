import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { randomUUID } from 'node:crypto';
import { startApp, testConfig, type RunningApp, buildTestApp } from '../helpers/stack.js';

interface Mail {
  to: string[];
  subject: string;
  text?: string;
  html?: string;
  sentAt: string;
}

describe('GET /_dev/mail (local stack only)', () => {
  let running: RunningApp;
  beforeAll(async () => (running = await startApp()));
  afterAll(() => running.close());

  async function send(to: string, subject: string) {
    await running.app.aws.ses.send(
      new SendEmailCommand({
        FromEmailAddress: running.app.resources.emailFrom,
        Destination: { ToAddresses: [to] },
        Content: { Simple: { Subject: { Data: subject }, Body: { Text: { Data: `text of ${subject}` }, Html: { Data: `<p>${subject}</p>` } } } },
      }),
    );
  }

  it('lists the mail sent through SES, newest first, filtered by recipient', async () => {
    const to = `dev-${randomUUID()}@example.com`;
    await send(to, 'first');
    await send(to, 'second');
    await send(`other-${randomUUID()}@example.com`, 'not for them');

    const response = await fetch(`${running.url}/_dev/mail?to=${encodeURIComponent(to)}`);
    expect(response.status).toBe(200);
    const { items } = (await response.json()) as { items: Mail[] };
    expect(items.map((m) => m.subject)).toEqual(['second', 'first']);
    expect(items[0]).toMatchObject({ to: [to], text: 'text of second', html: '<p>second</p>' });
    expect(Date.parse(items[0]!.sentAt)).not.toBeNaN();
  });

  it('lists only the mail sent since a time when asked (the emulator keeps whole seconds)', async () => {
    const to = `dev-since-${randomUUID()}@example.com`;
    await send(to, 'before');
    // The emulator stamps mail in whole seconds: the next one must be stamped a later second.
    const second = Math.floor(Date.now() / 1000);
    while (Math.floor(Date.now() / 1000) === second) await new Promise((r) => setTimeout(r, 20));
    const since = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    await send(to, 'after');

    const all = (await (await fetch(`${running.url}/_dev/mail?to=${encodeURIComponent(to)}`)).json()) as { items: Mail[] };
    expect(all.items.map((m) => m.subject)).toEqual(['after', 'before']);
    const recent = await fetch(`${running.url}/_dev/mail?to=${encodeURIComponent(to)}&since=${encodeURIComponent(since)}`);
    expect(recent.status).toBe(200);
    expect(((await recent.json()) as { items: Mail[] }).items.map((m) => m.subject)).toEqual(['after']);
  });

  it('rejects a malformed filter with a validation problem', async () => {
    const response = await fetch(`${running.url}/_dev/mail?to=not-an-email`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: { path: string }[] }).errors[0]?.path).toBe('querystring.to');
    const since = await fetch(`${running.url}/_dev/mail?since=yesterday`);
    expect(since.status).toBe(400);
    expect(((await since.json()) as { errors: { path: string }[] }).errors[0]?.path).toBe('querystring.since');
  });

  it('is not mounted outside local mode', async () => {
    const app = await buildTestApp({ ...testConfig(), devRoutes: false });
    try {
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      expect((await fetch(`${url}/_dev/mail`)).status).toBe(404);
    } finally {
      await app.close();
    }
  });
});
