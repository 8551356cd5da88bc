import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { jsonResponse, problemResponse, problemResponses } from '../../../schemas/problem.js';
import { completeBody, completeResponse, uploadsBody, uploadsResponse } from '../../../schemas/uploads.js';

/** /v1/uploads: photos go straight from the phone to S3; these two calls bracket that. */
const uploads: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate);
  app.addHook('onRequest', app.uploadRateLimit);
  const common = { tags: ['uploads'], security: [{ bearerAuth: [] }] };

  app.post(
    '',
    {
      schema: {
        ...common,
        operationId: 'requestUploads',
        summary: 'Reserve up to 50 photos and get narrow presigned upload URLs (or learn they are duplicates)',
        body: uploadsBody,
        response: {
          200: jsonResponse('One answer per item, in order: where to upload it, or the photo it duplicates', uploadsResponse),
          ...problemResponses(400, 401),
          409: problemResponse(409, 'Over the storage quota, an upload of this content already reserved, or concurrent changes (try again)'),
        },
      },
    },
    async (request) => ({ items: await app.uploads.requestUploads(request.user.userId, request.body.items) }),
  );

  app.post(
    '/complete',
    {
      schema: {
        ...common,
        operationId: 'completeUploads',
        summary: 'Tell the service the bytes are in S3: checks each object and queues its processing',
        body: completeBody,
        response: {
          200: jsonResponse('One answer per item: processing, ready, missing (upload again) or rejected', completeResponse),
          ...problemResponses(400, 401, 404),
        },
      },
    },
    async (request) => ({ items: await app.uploads.complete(request.user.userId, request.body.items) }),
  );
};

export default uploads;
