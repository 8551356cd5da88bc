import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { accepted, meResponse } from '../../../schemas/auth.js';
import { problemResponses } from '../../../schemas/problem.js';

const me: FastifyPluginAsyncZod = async (app) => {
  app.addHook('preHandler', app.authenticate);
  const common = { tags: ['me'], security: [{ bearerAuth: [] }] };

  app.get('', { schema: { ...common, summary: 'The signed-in user and their usage', response: { 200: meResponse, ...problemResponses(401) } } }, async (request) => {
    const profile = await app.accounts.me(request.user);
    return {
      userId: profile.userId,
      email: profile.email,
      name: profile.name ?? null,
      createdAt: profile.createdAt,
      usage: { photos: profile.photoCount, bytes: profile.bytes, quotaBytes: profile.quotaBytes },
    };
  });

  app.delete('', { schema: { ...common, summary: 'Delete the account: unusable at once, its photos and data removed in the background', response: { 202: accepted, ...problemResponses(401, 503) } } }, async (request, reply) => {
    await app.accounts.deleteAccount(request.user);
    return reply.status(202).send({ status: 'accepted' as const });
  });
};

export default me;
