import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { jsonResponse, problemResponse, problemResponses } from '../../../schemas/problem.js';
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
  // Public: these are how a caller gets a token.
  const common = { tags: ['auth'], security: [] };

  app.post(
    '/signup',
    {
      ...limited,
      schema: {
        ...common,
        operationId: 'signUp',
        summary: 'Create an account',
        body: signUpBody,
        response: {
          201: jsonResponse('Created; a confirmation code was mailed', signUpResponse),
          ...problemResponses(400, 429),
          409: problemResponse(409, 'An account with this email already exists'),
        },
      },
    },
    async (request, reply) => {
      await app.emailRateLimit.consume('signup', request.body.email);
      const { userId } = await app.accounts.signUp(request.body);
      return reply.status(201).send({ userId, confirmationRequired: true as const });
    },
  );

  app.post(
    '/confirm',
    {
      ...limited,
      schema: {
        ...common,
        operationId: 'confirmSignUp',
        summary: 'Confirm the email with its code',
        body: confirmBody,
        response: {
          200: jsonResponse('Confirmed; the account can sign in', ok),
          400: problemResponse(400, 'Not valid: a malformed request, or a wrong or expired code (`errors` says which)'),
          429: problemResponse(429),
          409: problemResponse(409, 'The account cannot be confirmed (it may be confirmed already)'),
        },
      },
    },
    async (request) => {
      await app.emailRateLimit.consume('confirm', request.body.email);
      await app.accounts.confirm(request.body);
      return { status: 'ok' as const };
    },
  );

  app.post(
    '/resend-code',
    {
      ...limited,
      schema: {
        ...common,
        operationId: 'resendCode',
        summary: 'Send the confirmation code again',
        body: emailBody,
        response: { 202: jsonResponse('Accepted: a code is mailed if the account exists and is unconfirmed', accepted), ...problemResponses(400, 429) },
      },
    },
    async (request, reply) => {
      await app.emailRateLimit.consume('resend-code', request.body.email);
      await app.accounts.resendCode(request.body.email);
      return reply.status(202).send({ status: 'accepted' as const });
    },
  );

  app.post(
    '/login',
    {
      ...limited,
      schema: {
        ...common,
        operationId: 'login',
        summary: 'Sign in',
        body: loginBody,
        response: {
          200: jsonResponse('Signed in: the tokens', tokensResponse),
          ...problemResponses(400, 429, 503),
          401: problemResponse(401, 'Wrong email or password'),
          403: problemResponse(403, 'The email is not confirmed yet (reason `confirmation-required`): confirm it with the mailed code'),
        },
      },
    },
    async (request) => {
      await app.emailRateLimit.consume('login', request.body.email);
      const tokens = await app.accounts.login(request.body);
      return { ...tokens, refreshToken: tokens.refreshToken ?? '' };
    },
  );

  app.post(
    '/refresh',
    {
      ...limited,
      schema: {
        ...common,
        operationId: 'refreshTokens',
        summary: 'New access and id tokens',
        body: refreshBody,
        response: {
          200: jsonResponse('New access and id tokens', refreshedTokensResponse),
          ...problemResponses(400, 429, 503),
          401: problemResponse(401, 'The refresh token is invalid, expired or revoked: sign in again'),
        },
      },
    },
    async (request) => app.accounts.refresh(request.body.refreshToken),
  );

  app.post(
    '/logout',
    {
      ...limited,
      preHandler: app.authenticate,
      schema: {
        ...common,
        operationId: 'logout',
        summary: 'Sign out everywhere',
        security: [{ bearerAuth: [] }],
        response: { 204: noContent.describe('Signed out: every token of the account is revoked'), ...problemResponses(401, 429, 503) },
      },
    },
    async (request, reply) => {
      await app.accounts.logout(request.user);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/forgot-password',
    {
      ...limited,
      schema: {
        ...common,
        operationId: 'forgotPassword',
        summary: 'Mail a password reset code',
        body: emailBody,
        response: { 202: jsonResponse('Accepted: a code is mailed if the account exists', accepted), ...problemResponses(400, 429) },
      },
    },
    async (request, reply) => {
      await app.emailRateLimit.consume('forgot-password', request.body.email);
      await app.accounts.forgotPassword(request.body.email);
      return reply.status(202).send({ status: 'accepted' as const });
    },
  );

  app.post(
    '/reset-password',
    {
      ...limited,
      schema: {
        ...common,
        operationId: 'resetPassword',
        summary: 'Set a new password with the code',
        body: resetPasswordBody,
        response: {
          200: jsonResponse('The password is changed; sign in with it', ok),
          ...problemResponses(429, 503),
          400: problemResponse(400, 'Not valid: a malformed request, a wrong or expired code, or a password that breaks the policy'),
        },
      },
    },
    async (request) => {
      await app.emailRateLimit.consume('reset-password', request.body.email);
      await app.accounts.resetPassword(request.body);
      return { status: 'ok' as const };
    },
  );
};

export default auth;
