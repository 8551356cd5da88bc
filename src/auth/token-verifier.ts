import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { FastifyBaseLogger } from 'fastify';
import type { CognitoAccessTokenPayload } from 'aws-jwt-verify/jwt-model';
import type { AppConfig, Resources } from '../config.js';
import type { UsersRepository } from '../data/users.js';
import { HttpProblem } from '../lib/problem.js';
import { isRevoked } from './revocation.js';

export interface AuthenticatedUser {
  userId: string;
  username: string;
  /** When the token was issued (seconds since the epoch). */
  issuedAt: number;
}

type AccessVerifier = ReturnType<typeof createVerifier>;

function createVerifier(resources: Resources, cognitoEndpoint: string | undefined) {
  // With an endpoint override (the local stack, or a test), the JWKS lives there and not at AWS's
  // issuer URL, which the tokens still name (aws-jwt-verify checks that issuer).
  const fetcher = cognitoEndpoint
    ? {
        fetch: async (uri: string) => {
          const local = new URL(new URL(uri).pathname, cognitoEndpoint);
          const response = await fetch(local, { signal: AbortSignal.timeout(5000) });
          if (!response.ok) throw new Error(`JWKS ${local}: HTTP ${response.status}`);
          return response.arrayBuffer();
        },
      }
    : undefined;
  // Only access tokens of our pool and our app client; aws-jwt-verify also checks the issuer,
  // expiry, signature and refuses `alg: none`.
  return CognitoJwtVerifier.create(
    { userPoolId: resources.userPoolId, tokenUse: 'access', clientId: resources.userPoolClientId },
    fetcher ? { jwksCache: new SimpleJwksCache({ fetcher }) } : undefined,
  );
}

/**
 * Verifies Cognito access tokens against a JWKS held in memory (fetched once at start-up, never
 * per request), then refuses tokens issued before the user's last logout or password reset
 * (revocation.ts decides).
 */
export class TokenVerifier {
  private constructor(
    private readonly verifier: AccessVerifier,
    private readonly users: UsersRepository,
  ) {}

  static async create(config: AppConfig, resources: Resources, users: UsersRepository, log: FastifyBaseLogger): Promise<TokenVerifier> {
    const verifier = createVerifier(resources, config.aws.endpoints.cognito);
    // Loading the keys now keeps the first requests fast; if Cognito cannot be reached yet, the
    // verifier fetches them on first use instead (and caches them: never once per request).
    await verifier.hydrate().catch((error: unknown) => log.warn({ err: { name: (error as Error).name } }, 'JWKS not loaded at start-up'));
    return new TokenVerifier(verifier, users);
  }

  /** Verifies the token only (signature, issuer, client, use, expiry): no I/O. */
  async verifyToken(token: string): Promise<CognitoAccessTokenPayload> {
    try {
      return await this.verifier.verify(token);
    } catch {
      // Which check failed is none of the caller's business (and logs must not carry tokens).
      throw new HttpProblem('unauthorized', 'The access token is not valid');
    }
  }

  /** Verifies an `Authorization: Bearer` header and that the token was not revoked since. */
  async authenticate(header: string | undefined): Promise<AuthenticatedUser> {
    const match = /^Bearer ([\w-]+\.[\w-]*\.[\w-]*)$/.exec(header ?? '');
    if (!match) throw new HttpProblem('unauthorized', 'Send a Cognito access token: Authorization: Bearer <token>');
    const payload = await this.verifyToken(match[1]!);
    if (isRevoked(payload, await this.users.revocation(payload.sub))) {
      throw new HttpProblem('unauthorized', 'This session has ended; sign in again');
    }
    return { userId: payload.sub, username: payload.username, issuedAt: payload.iat };
  }
}
