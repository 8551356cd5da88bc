import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { jsonResponse, problemResponse, problemResponses } from '../../../schemas/problem.js';
import { sharedAlbum, sharedHeaders, sharedParams, sharedQuery } from '../../../schemas/share-links.js';
import { shareRouteLogSerializers } from '../../../sharing/log-redaction.js';

export const LINK_NOT_FOUND = problemResponse(404, 'No such link: forged, expired, revoked, or its album was deleted (one answer for all)');
export const PASSWORD_REQUIRED = problemResponse(
  401,
  'The link has a password and it was not sent, or is wrong (type https://auroravault.dev/problems/share-password-required)',
);
export const RATE_LIMITED = problemResponse(429, 'Too many requests from your address; wait Retry-After seconds');

/** /v1/shared: what a share link's holder sees and sends, without an account (docs/sharing.md). */
const sharedRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.shareLinks.publicRateLimit);
  const common = { tags: ['share links'], security: [] };

  app.get(
    '/:token',
    {
      logSerializers: shareRouteLogSerializers,
      schema: {
        ...common,
        operationId: 'getSharedAlbum',
        summary: "What a share link opens: the album's name, and a view link's photos page by page",
        params: sharedParams,
        querystring: sharedQuery,
        headers: sharedHeaders,
        response: { 200: jsonResponse('The album as the link shows it', sharedAlbum), ...problemResponses(400), 401: PASSWORD_REQUIRED, 404: LINK_NOT_FOUND, 429: RATE_LIMITED },
      },
    },
    async (request) => app.shareLinks.service.view(request.params.token, request.headers['x-share-password'], request.query.limit, request.query.cursor),
  );
};

export default sharedRoutes;
