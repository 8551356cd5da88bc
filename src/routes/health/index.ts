import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { liveResponse, readyResponse } from '../../schemas/health.js';
import { checkReadiness } from './readiness.js';

const PROBE_TIMEOUT_MS = 2000;

const health: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/live',
    { schema: { tags: ['health'], summary: 'The process runs', response: { 200: liveResponse } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      schema: {
        tags: ['health'],
        summary: 'Every dependency answers',
        response: { 200: readyResponse, 503: readyResponse },
      },
    },
    async (_request, reply) => {
      const report = await checkReadiness(app.healthChecks, PROBE_TIMEOUT_MS);
      reply.header('cache-control', 'no-store');
      return reply.status(report.status === 'ok' ? 200 : 503).send(report);
    },
  );
};

export default health;
