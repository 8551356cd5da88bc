import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { accepted, meResponse } from '../../../schemas/auth.js';
import { contractSerializerCompiler } from '../../../schemas/serializer.js';
import { jsonResponse, problemResponses } from '../../../schemas/problem.js';

const me: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate);
  app.addHook('onRequest', app.userRateLimit);
  // Hot routes: answers written by their schema's shape, without zod's encode pass (src/schemas/serializer.ts).
  app.setSerializerCompiler(contractSerializerCompiler);
  const common = { tags: ['me'], security: [{ bearerAuth: [] }] };

  const getMe = {
    ...common,
    operationId: 'getMe',
    summary: 'The signed-in user and their usage',
    response: { 200: jsonResponse('The profile and usage against the quota', meResponse), ...problemResponses(401) },
  };
  app.get('', { schema: getMe }, async (request) => {
    const profile = await app.accounts.me(request.user);
    return {
      userId: profile.userId,
      email: profile.email,
      name: profile.name ?? null,
      createdAt: profile.createdAt,
      usage: { photos: profile.photoCount, bytes: profile.bytes, quotaBytes: profile.quotaBytes },
    };
  });

  const deleteMe = {
    ...common,
    operationId: 'deleteMe',
    summary: 'Delete the account: unusable at once, its photos and data removed in the background',
    response: { 202: jsonResponse('Accepted: the account is unusable now and is being removed', accepted), ...problemResponses(401, 503) },
  };
  app.delete('', { schema: deleteMe }, async (request, reply) => {
    await app.accounts.deleteAccount(request.user);
    return reply.status(202).send({ status: 'accepted' as const });
  });
};

export default me;
