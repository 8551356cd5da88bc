import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { noContent } from '../../../schemas/auth.js';
import { jsonResponse, problemResponse, problemResponses } from '../../../schemas/problem.js';
import { albumLinkParams, albumLinksParams, createLinkBody, shareLink, shareLinkList } from '../../../schemas/share-links.js';

const forbidden = problemResponse(403, 'Only the album owner manages its links');
const unknown = problemResponse(404, 'No such album, or you are not a member of it');

/** /v1/albums/{albumId}/links: an album's share links, for its owner (docs/sharing.md). */
const albumLinks: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate);
  app.addHook('onRequest', app.userRateLimit);
  const common = { tags: ['share links'], security: [{ bearerAuth: [] }] };
  // Where the links' pages are: the configured public origin, else the origin this request came to.
  const origin = (request: FastifyRequest) => app.config.shareLinks.publicBaseUrl ?? `${request.protocol}://${request.host}`;

  app.post(
    '/:albumId/links',
    {
      schema: {
        ...common,
        operationId: 'createShareLink',
        summary: 'Create a share link: a view link, or a collect link guests add photos through',
        params: albumLinksParams,
        body: createLinkBody,
        response: { 201: jsonResponse('The new link, with its token and page URL', shareLink), ...problemResponses(400, 401), 403: forbidden, 404: unknown },
      },
    },
    async (request, reply) => reply.status(201).send(await app.shareLinks.service.create(request.user.userId, request.params.albumId, request.body, origin(request))),
  );

  app.get(
    '/:albumId/links',
    {
      schema: {
        ...common,
        operationId: 'listShareLinks',
        summary: "The album's share links, newest first (revoked ones included)",
        params: albumLinksParams,
        response: { 200: jsonResponse("The album's links", shareLinkList), ...problemResponses(400, 401), 403: forbidden, 404: unknown },
      },
    },
    async (request) => app.shareLinks.service.list(request.user.userId, request.params.albumId, origin(request)),
  );

  app.delete(
    '/:albumId/links/:linkId',
    {
      schema: {
        ...common,
        operationId: 'revokeShareLink',
        summary: 'Revoke a share link: it opens nothing from the next request on',
        params: albumLinkParams,
        response: {
          204: noContent.describe('The link is revoked'),
          ...problemResponses(400, 401),
          403: forbidden,
          404: problemResponse(404, 'No such album or link'),
        },
      },
    },
    async (request, reply) => {
      await app.shareLinks.service.revoke(request.user.userId, request.params.albumId, request.params.linkId);
      return reply.status(204).send(null);
    },
  );
};

export default albumLinks;
