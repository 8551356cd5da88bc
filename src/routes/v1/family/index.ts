import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { noContent } from '../../../schemas/auth.js';
import { family, familyInvite, familyParams, familyView, inviteBody, inviteParams, memberParams } from '../../../schemas/family.js';
import { jsonResponse, problemResponse, problemResponses } from '../../../schemas/problem.js';

/** /v1/family: the family group, invites and invitations (docs/sharing.md). */
const familyRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate);
  app.addHook('onRequest', app.userRateLimit);
  const common = { tags: ['family'], security: [{ bearerAuth: [] }] };
  const raced = problemResponse(409, 'The family changed meanwhile; try again');

  app.get(
    '',
    {
      schema: {
        ...common,
        operationId: 'getFamily',
        summary: 'My family (or null) and the invitations addressed to my email',
        response: { 200: jsonResponse('My family and my invitations', familyView), ...problemResponses(401) },
      },
    },
    async (request) => app.family.view(request.user),
  );

  app.post(
    '/invites',
    {
      schema: {
        ...common,
        operationId: 'inviteToFamily',
        summary: 'Invite someone by email (a user without a family founds one and organises it); the invite is emailed',
        body: inviteBody,
        response: {
          201: jsonResponse('The new invite, emailed to the address', familyInvite),
          200: jsonResponse('That address already has a pending invite: the same invite (emailed once)', familyInvite),
          ...problemResponses(400, 401),
          403: problemResponse(403, 'Only the organiser invites'),
          409: problemResponse(409, 'The family is full (6 members, pending invites included), the address belongs to a member, or the family changed meanwhile'),
        },
      },
    },
    async (request, reply) => {
      const { created, invite } = await app.family.invite(request.user, request.body.email);
      return reply.status(created ? 201 : 200).send(invite);
    },
  );

  app.delete(
    '/invites/:inviteId',
    {
      schema: {
        ...common,
        operationId: 'withdrawFamilyInvite',
        summary: 'Withdraw a pending invite (organiser)',
        params: inviteParams,
        response: {
          204: noContent.describe('The invite is withdrawn'),
          ...problemResponses(400, 401),
          403: problemResponse(403, 'Only the organiser withdraws invites'),
          404: problemResponse(404, 'No family, or no such invite'),
          409: raced,
        },
      },
    },
    async (request, reply) => {
      await app.family.withdraw(request.user, request.params.inviteId);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/invitations/:familyId/accept',
    {
      schema: {
        ...common,
        operationId: 'acceptFamilyInvitation',
        summary: 'Join the family that invited my email',
        params: familyParams,
        response: {
          200: jsonResponse('Joined: the family', family),
          ...problemResponses(400, 401),
          404: problemResponse(404, 'No pending invitation of this family for my email (withdrawn, expired, or the family dissolved)'),
          409: problemResponse(409, 'I already belong to a family, or the family changed meanwhile'),
        },
      },
    },
    async (request) => app.family.accept(request.user, request.params.familyId),
  );

  app.post(
    '/invitations/:familyId/decline',
    {
      schema: {
        ...common,
        operationId: 'declineFamilyInvitation',
        summary: 'Decline an invitation addressed to my email',
        params: familyParams,
        response: {
          204: noContent.describe('The invitation is declined'),
          ...problemResponses(400, 401),
          404: problemResponse(404, 'No invitation of this family for my email'),
          409: raced,
        },
      },
    },
    async (request, reply) => {
      await app.family.decline(request.user, request.params.familyId);
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/members/:userId',
    {
      schema: {
        ...common,
        operationId: 'removeFamilyMember',
        summary: 'Remove a member (organiser), or leave (a member removing themself; the organiser only once alone, which dissolves the family)',
        params: memberParams,
        response: {
          204: noContent.describe('Removed, or left'),
          ...problemResponses(400, 401),
          403: problemResponse(403, 'Only the organiser removes other members'),
          404: problemResponse(404, 'No family, or no such member in mine'),
          409: problemResponse(409, 'The organiser cannot leave while other members remain, or the family changed meanwhile'),
        },
      },
    },
    async (request, reply) => {
      await app.family.removeMember(request.user, request.params.userId);
      return reply.status(204).send(null);
    },
  );
};

export default familyRoutes;
