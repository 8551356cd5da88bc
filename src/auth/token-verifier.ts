import { CognitoJwtVerifier } from 'aws-jwt-verify';
import type { CognitoAccessTokenPayload } from 'aws-jwt-verify/jwt-model';
import type { AppConfig, Resources } from '../config.js';
import type { UsersRepository } from '../data/users.js';
import { HttpProblem } from '../lib/problem.js';

export interface AuthenticatedUser {
  userId: string;
  username: string;
  /** When the token was issued (seconds since the epoch). */
  issuedAt: number;
}

type AccessVerifier = ReturnType<typeof createVerifier>;

function createVerifier(resources: Resources) {
  // Only access tokens of our pool and our app client; aws-jwt-verify also checks the issuer,
  // expiry, signature and refuses `alg: none`.
  return CognitoJwtVerifier.create({ userPoolId: resources.userPoolId, tokenUse: 'access', clientId: resources.userPoolClientId });
}

/**
 * Verifies Cognito access tokens against a JWKS held in memory (fetched once at start-up, never
 * per request), then refuses tokens issued before the user's last logout or password reset.
 */
export class TokenVerifier {
  private constructor(
    private readonly verifier: AccessVerifier,
    private readonly users: UsersRepository,
  ) {}

  static async create(config: AppConfig, resources: Resources, users: UsersRepository): Promise<TokenVerifier> {
    const verifier = createVerifier(resources);
    const localCognito = config.stack === 'local' ? config.aws.endpoints.cognito : undefined;
    if (localCognito) {
      // The local Cognito serves its JWKS over http on its own address; the issuer in its tokens
      // is AWS's, so the verifier gets the keys handed over instead of fetching them.
      const response = await fetch(`${localCognito}/${resources.userPoolId}/.well-known/jwks.json`);
      if (!response.ok) throw new Error(`local Cognito JWKS: HTTP ${response.status}`);
      verifier.cacheJwks((await response.json()) as Parameters<AccessVerifier['cacheJwks']>[0]);
    } else {
      await verifier.hydrate();
    }
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
    const revokedBefore = await this.users.revokedBefore(payload.sub);
    if (revokedBefore !== undefined && payload.iat <= revokedBefore) {
      throw new HttpProblem('unauthorized', 'This session has ended; sign in again');
    }
    return { userId: payload.sub, username: payload.username, issuedAt: payload.iat };
  }
}
