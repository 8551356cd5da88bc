import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AccountsService } from '../../accounts/accounts-service.js';
import { WELCOME_EMAIL_JOB, welcomeEmailJobId } from '../../accounts/welcome-email.js';
import { RevocationSync } from '../../auth/revocation-sync.js';
import { TokenVerifier, type AuthenticatedUser } from '../../auth/token-verifier.js';
import { RevocationFeed } from '../../data/revocation-feed.js';
import { UsersRepository } from '../../data/users.js';

declare module 'fastify' {
  interface FastifyInstance {
    users: UsersRepository;
    accounts: AccountsService;
    /** This instance's view of the revocation feed (polled while the app runs; stopped on close). */
    revocations: RevocationSync;
    /** onRequest hook of authenticated routes (before body parsing): verifies the bearer token and sets request.user. */
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
  interface FastifyRequest {
    user: AuthenticatedUser;
  }
}

/** Accounts: the users repository, token verification (JWKS loaded here, once) and the service. */
export default fp(
  async function accounts(app: FastifyInstance) {
    const { pollIntervalMs } = app.config.revocations;
    const revocations = new RevocationSync({
      feed: new RevocationFeed(app.aws.dynamoFeed, app.resources.table),
      pollIntervalMs,
      // One poll may fail or run late; two in a row and requests check the record instead.
      staleAfterMs: 3 * pollIntervalMs,
      log: app.log.child({ component: 'revocations' }),
    });
    // Revocations written here (logout, reset, admissions) hold on this instance at once.
    const users = new UsersRepository(app.aws.dynamo, app.resources.table, (state) => revocations.applyWritten(state));
    const tokens = await TokenVerifier.create(app.config, app.resources, users, revocations, app.log);
    await revocations.start();
    app.addHook('onClose', () => revocations.stop());
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
    app.decorate('revocations', revocations);
    app.decorate('accounts', service);
    app.decorateRequest('user', null as unknown as AuthenticatedUser);
    app.decorate('authenticate', async (request: FastifyRequest) => {
      request.user = await tokens.authenticate(request.headers.authorization);
    });
  },
  { name: 'accounts', dependencies: ['aws', 'jobs'] },
);
