import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { accepted } from '../../../schemas/auth.js';
import { listQuery, photoPage } from '../../../schemas/photos.js';
import { contractSerializerCompiler } from '../../../schemas/serializer.js';
import { jsonResponse, problemResponses } from '../../../schemas/problem.js';

/** /v1/trash: trashed photos, newest trashed first; emptying it purges them in a job (202 at once). */
const trash: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate);
  app.addHook('onRequest', app.userRateLimit);
  // Hot routes: answers written by their schema's shape, without zod's encode pass (src/schemas/serializer.ts).
  app.setSerializerCompiler(contractSerializerCompiler);
  const common = { tags: ['library'], security: [{ bearerAuth: [] }] };

  app.get(
    '',
    {
      schema: {
        ...common,
        operationId: 'listTrash',
        summary: 'Photos in the trash, newest trashed first',
        querystring: listQuery,
        response: { 200: jsonResponse('One page of the trash', photoPage), ...problemResponses(400, 401) },
      },
    },
    async (request) => app.photos.library.trashList(request.user.userId, request.query.limit, request.query.cursor),
  );

  app.delete(
    '',
    {
      schema: {
        ...common,
        operationId: 'emptyTrash',
        summary: 'Empty the trash: the photos in it now are deleted for good, in the background',
        response: { 202: jsonResponse('Accepted: the photos in the trash are being deleted', accepted), ...problemResponses(401) },
      },
    },
    async (request, reply) => {
      await app.photos.jobs.requestEmptyTrash(request.user.userId);
      return reply.status(202).send({ status: 'accepted' as const });
    },
  );
};

export default trash;
