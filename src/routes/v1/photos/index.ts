import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { noContent } from '../../../schemas/auth.js';
import { listQuery, photo, photoPage, photoParams } from '../../../schemas/photos.js';
import { contractSerializerCompiler } from '../../../schemas/serializer.js';
import { jsonResponse, problemResponse, problemResponses } from '../../../schemas/problem.js';

/** /v1/photos: the timeline and single photos (another user's photo is simply not found). */
const photos: FastifyPluginAsyncZod = async (app) => {
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
        operationId: 'listPhotos',
        summary: 'The timeline: ready photos, newest taken first',
        querystring: listQuery,
        response: { 200: jsonResponse('One page of the timeline', photoPage), ...problemResponses(400, 401) },
      },
    },
    async (request) => app.photos.library.timeline(request.user.userId, request.query.limit, request.query.cursor),
  );

  app.get(
    '/:id',
    {
      schema: {
        ...common,
        operationId: 'getPhoto',
        summary: 'One photo',
        params: photoParams,
        response: { 200: jsonResponse('The photo, with fresh signed URLs', photo), ...problemResponses(400, 401, 404) },
      },
    },
    async (request) => app.photos.library.get(request.user.userId, request.params.id),
  );

  app.delete(
    '/:id',
    {
      schema: {
        ...common,
        operationId: 'trashPhoto',
        summary: 'Move a photo to the trash (purged after 30 days)',
        params: photoParams,
        response: {
          204: noContent.describe('The photo is in the trash'),
          ...problemResponses(400, 401, 404),
          409: problemResponse(409, 'The photo changed meanwhile; try again'),
        },
      },
    },
    async (request, reply) => {
      await app.photos.library.trash(request.user.userId, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/:id/restore',
    {
      schema: {
        ...common,
        operationId: 'restorePhoto',
        summary: 'Take a photo out of the trash',
        params: photoParams,
        response: { 200: jsonResponse('The photo, back in the library', photo), ...problemResponses(400, 401, 404) },
      },
    },
    async (request) => app.photos.library.restore(request.user.userId, request.params.id),
  );
};

export default photos;
