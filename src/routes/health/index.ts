import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { liveResponse, readyResponse } from '../../schemas/health.js';
import { jsonResponse } from '../../schemas/problem.js';
import { ReadinessCache } from './readiness.js';

export const PROBE_TIMEOUT_MS = 2000;
/** Anyone may call /health/ready: six AWS calls at most every few seconds, whatever the request rate. */
export const READINESS_TTL_MS = 3000;

const health: FastifyPluginAsyncZod = async (app) => {
  const readiness = new ReadinessCache(app.healthChecks, { ttlMs: READINESS_TTL_MS, timeoutMs: PROBE_TIMEOUT_MS });

  app.get(
    '/live',
    {
      schema: {
        tags: ['health'],
        operationId: 'live',
        summary: 'The process runs',
        security: [],
        response: { 200: jsonResponse('The process is up', liveResponse) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      schema: {
        tags: ['health'],
        operationId: 'ready',
        summary: 'Every dependency answers (each probe result is reused for 3 s)',
        security: [],
        response: {
          200: jsonResponse('Every dependency answers', readyResponse),
          503: jsonResponse('At least one dependency does not answer (see which)', readyResponse),
        },
      },
    },
    async (_request, reply) => {
      const report = await readiness.report();
      reply.header('cache-control', 'no-store');
      return reply.status(report.status === 'ok' ? 200 : 503).send(report);
    },
  );
};

export default health;
