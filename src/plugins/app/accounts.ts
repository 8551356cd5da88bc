import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AccountsService } from '../../accounts/accounts-service.js';
import { WELCOME_EMAIL_JOB, welcomeEmailJobId } from '../../accounts/welcome-email.js';
import { TokenVerifier, type AuthenticatedUser } from '../../auth/token-verifier.js';
import { UsersRepository } from '../../data/users.js';

declare module 'fastify' {
  interface FastifyInstance {
    users: UsersRepository;
    accounts: AccountsService;
    /** preHandler for authenticated routes: verifies the bearer token and sets request.user. */
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
  interface FastifyRequest {
    user: AuthenticatedUser;
  }
}

/** Accounts: the users repository, token verification (JWKS loaded here, once) and the service. */
export default fp(
  async function accounts(app: FastifyInstance) {
    const users = new UsersRepository(app.aws.dynamo, app.resources.table);
    const tokens = await TokenVerifier.create(app.config, app.resources, users, app.log);
    const service = new AccountsService({
      cognito: app.aws.cognito,
      userPoolId: app.resources.userPoolId,
      clientId: app.resources.userPoolClientId,
      users,
      tokens,
      defaultQuotaBytes: app.config.photos.defaultQuotaBytes,
      log: app.log.child({ component: 'accounts' }),
      onConfirmed: async (user) => {
        // A deterministic job id: confirming twice or retrying enqueues the same job, sent once.
        await app.jobs.enqueue(WELCOME_EMAIL_JOB, user, { jobId: welcomeEmailJobId(user.userId) });
      },
    });
    app.decorate('users', users);
    app.decorate('accounts', service);
    app.decorateRequest('user', null as unknown as AuthenticatedUser);
    app.decorate('authenticate', async (request: FastifyRequest) => {
      request.user = await tokens.authenticate(request.headers.authorization);
    });
  },
  { name: 'accounts', dependencies: ['aws', 'jobs'] },
);
