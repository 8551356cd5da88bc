import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { addMemberBody, albumMember, albumMemberList, memberParams, membersParams, sharedQuery } from '../../../schemas/album-members.js';
import { albumPage } from '../../../schemas/albums.js';
import { noContent } from '../../../schemas/auth.js';
import { jsonResponse, problemResponse, problemResponses } from '../../../schemas/problem.js';

/** /v1/albums: members of shared albums and the albums shared with me (docs/sharing.md). */
const albumMembers: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate);
  app.addHook('onRequest', app.userRateLimit);
  const common = { tags: ['albums'], security: [{ bearerAuth: [] }] };
  const service = () => app.albumMembers.service;

  app.get(
    '/shared',
    {
      schema: {
        ...common,
        operationId: 'listSharedAlbums',
        summary: 'Albums others share with me, newest shared first',
        querystring: sharedQuery,
        response: { 200: jsonResponse('One page of albums shared with me, each with my role', albumPage), ...problemResponses(400, 401) },
      },
    },
    async (request) => service().sharedWithMe(request.user.userId, request.query.limit, request.query.cursor),
  );

  app.get(
    '/:albumId/members',
    {
      schema: {
        ...common,
        operationId: 'listAlbumMembers',
        summary: "The album's owner and members",
        params: membersParams,
        response: { 200: jsonResponse('The owner and the members', albumMemberList), ...problemResponses(400, 401, 404) },
      },
    },
    async (request) => service().list(request.user.userId, request.params.albumId),
  );

  app.post(
    '/:albumId/members',
    {
      schema: {
        ...common,
        operationId: 'addAlbumMember',
        summary: 'Share the album with a registered user (owner only), or change their role',
        description: 'Sharing by email tells the caller whether the address has an account (rate-limited per user).',
        params: membersParams,
        body: addMemberBody,
        response: {
          200: jsonResponse('Already a member: the role is now the one asked for', albumMember),
          201: jsonResponse('The new member', albumMember),
          ...problemResponses(400, 401),
          403: problemResponse(403, 'Only the owner shares the album'),
          404: problemResponse(404, 'No such album, or no account has this email (`errors` names `body.email`)'),
          409: problemResponse(409, 'The album has the most members it may have'),
        },
      },
    },
    async (request, reply) => {
      const { member, created } = await service().add(request.user.userId, request.params.albumId, request.body);
      return reply.status(created ? 201 : 200).send(member);
    },
  );

  app.delete(
    '/:albumId/members/:userId',
    {
      schema: {
        ...common,
        operationId: 'removeAlbumMember',
        summary: 'Remove a member (owner), or leave the album (a member, their own id)',
        description: "A contributor's photos leave the album, not their library.",
        params: memberParams,
        response: {
          204: noContent.describe('Not a member (any more)'),
          ...problemResponses(400, 401),
          403: problemResponse(403, 'A member removes only themself'),
          404: problemResponse(404, 'No such album'),
          409: problemResponse(409, 'The membership changed meanwhile; try again'),
        },
      },
    },
    async (request, reply) => {
      await service().remove(request.user.userId, request.params.albumId, request.params.userId);
      return reply.status(204).send(null);
    },
  );
};

export default albumMembers;
