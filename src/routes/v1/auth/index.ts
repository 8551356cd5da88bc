import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { problemResponses } from '../../../schemas/problem.js';
import {
  accepted,
  confirmBody,
  emailBody,
  loginBody,
  noContent,
  ok,
  refreshBody,
  refreshedTokensResponse,
  resetPasswordBody,
  signUpBody,
  signUpResponse,
  tokensResponse,
} from '../../../schemas/auth.js';

/**
 * /v1/auth: thin routes over the accounts service. Every route is limited per IP; routes that
 * name an account also count attempts per email (shared by all instances) before Cognito is asked.
 */
const auth: FastifyPluginAsyncZod = async (app) => {
  const limited = { onRequest: app.authRateLimit };
  const tags = ['auth'];

  app.post(
    '/signup',
    { ...limited, schema: { tags, summary: 'Create an account', body: signUpBody, response: { 201: signUpResponse, ...problemResponses(400, 409, 429) } } },
    async (request, reply) => {
      await app.emailRateLimit.consume('signup', request.body.email);
      const { userId } = await app.accounts.signUp(request.body);
      return reply.status(201).send({ userId, confirmationRequired: true as const });
    },
  );

  app.post(
    '/confirm',
    { ...limited, schema: { tags, summary: 'Confirm the email with its code', body: confirmBody, response: { 200: ok, ...problemResponses(400, 409, 429) } } },
    async (request) => {
      await app.emailRateLimit.consume('confirm', request.body.email);
      await app.accounts.confirm(request.body);
      return { status: 'ok' as const };
    },
  );

  app.post(
    '/resend-code',
    { ...limited, schema: { tags, summary: 'Send the confirmation code again', body: emailBody, response: { 202: accepted, ...problemResponses(400, 429) } } },
    async (request, reply) => {
      await app.emailRateLimit.consume('resend-code', request.body.email);
      await app.accounts.resendCode(request.body.email);
      return reply.status(202).send({ status: 'accepted' as const });
    },
  );

  app.post(
    '/login',
    { ...limited, schema: { tags, summary: 'Sign in', body: loginBody, response: { 200: tokensResponse, ...problemResponses(400, 401, 403, 429, 503) } } },
    async (request) => {
      await app.emailRateLimit.consume('login', request.body.email);
      const tokens = await app.accounts.login(request.body);
      return { ...tokens, refreshToken: tokens.refreshToken ?? '' };
    },
  );

  app.post(
    '/refresh',
    { ...limited, schema: { tags, summary: 'New access and id tokens', body: refreshBody, response: { 200: refreshedTokensResponse, ...problemResponses(400, 401, 429, 503) } } },
    async (request) => app.accounts.refresh(request.body.refreshToken),
  );

  app.post(
    '/logout',
    {
      ...limited,
      preHandler: app.authenticate,
      schema: { tags, summary: 'Sign out everywhere', security: [{ bearerAuth: [] }], response: { 204: noContent, ...problemResponses(401, 429, 503) } },
    },
    async (request, reply) => {
      await app.accounts.logout(request.user);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/forgot-password',
    { ...limited, schema: { tags, summary: 'Mail a password reset code', body: emailBody, response: { 202: accepted, ...problemResponses(400, 429) } } },
    async (request, reply) => {
      await app.emailRateLimit.consume('forgot-password', request.body.email);
      await app.accounts.forgotPassword(request.body.email);
      return reply.status(202).send({ status: 'accepted' as const });
    },
  );

  app.post(
    '/reset-password',
    { ...limited, schema: { tags, summary: 'Set a new password with the code', body: resetPasswordBody, response: { 200: ok, ...problemResponses(400, 429, 503) } } },
    async (request) => {
      await app.emailRateLimit.consume('reset-password', request.body.email);
      await app.accounts.resetPassword(request.body);
      return { status: 'ok' as const };
    },
  );
};

export default auth;
