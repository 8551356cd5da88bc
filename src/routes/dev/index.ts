import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { HttpProblem } from '../../lib/problem.js';
import { mailQuery, mailResponse } from '../../schemas/dev.js';
import { jsonResponse, problemResponse, problemResponses } from '../../schemas/problem.js';

/** What the local SES server keeps at GET /store (an emulator endpoint, not an AWS API). */
interface StoredEmail {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { html?: string; text?: string };
  at: number;
}

/**
 * Local-mode conveniences, mounted only on the embedded stack: every mail the platform or
 * Cognito sent, so sign-up codes and welcome emails can be read without a mailbox.
 */
const dev: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/mail',
    {
      schema: {
        tags: ['local'],
        operationId: 'listDevMail',
        summary: 'Mail captured by the local SES, newest first (local stack only)',
        security: [],
        querystring: mailQuery,
        response: {
          200: jsonResponse('The captured mail', mailResponse),
          ...problemResponses(400),
          404: problemResponse(404, 'No local SES is configured'),
          503: problemResponse(503, 'The local SES did not answer'),
        },
      },
    },
    async (request) => {
      const endpoint = app.config.aws.endpoints.ses;
      if (!endpoint) throw new HttpProblem('notFound', 'No local SES is configured');
      // The emulator holds every mail of the run (a test run: thousands, many of them HTML) and filters by
      // time only; asking for recent ones keeps its answer small.
      const store = new URL('/store', endpoint);
      if (request.query.since) store.searchParams.set('since', String(Math.floor(Date.parse(request.query.since) / 1000)));
      const response = await fetch(store, { signal: AbortSignal.timeout(2000) });
      if (!response.ok) throw new HttpProblem('unavailable', `The local SES answered ${response.status}`);
      const { emails } = (await response.json()) as { emails: StoredEmail[] };
      const wanted = request.query.to?.toLowerCase();
      const items = [...emails]
        .reverse() // `at` has one-second resolution: later entries first among equals
        .filter((mail) => !wanted || mail.destination.to.some((to) => to.toLowerCase() === wanted))
        .sort((a, b) => b.at - a.at)
        .map((mail) => ({
          id: mail.messageId,
          from: mail.from,
          to: mail.destination.to,
          subject: mail.subject,
          text: mail.body.text,
          html: mail.body.html,
          sentAt: new Date(mail.at * 1000).toISOString(),
        }));
      return { items };
    },
  );
};

export default dev;
