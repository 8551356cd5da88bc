import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { JwksNotAvailableInCacheError, KidNotFoundInJwksError } from 'aws-jwt-verify/error';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { FastifyBaseLogger } from 'fastify';
import type { CognitoAccessTokenPayload } from 'aws-jwt-verify/jwt-model';
import type { AppConfig, Resources } from '../config.js';
import type { UsersRepository } from '../data/users.js';
import { HttpProblem } from '../lib/problem.js';
import type { RevocationSync } from './revocation-sync.js';

export interface AuthenticatedUser {
  userId: string;
  username: string;
  /** When the token was issued (seconds since the epoch). */
  issuedAt: number;
}

type AccessVerifier = ReturnType<typeof createVerifier>;

/** How far ahead of our clock a token's issue time may be (Cognito's clock against ours). */
const ISSUED_AT_SKEW_SECONDS = 5;

// Which check failed is none of the caller's business (and logs must not carry tokens).
const invalidToken = () => new HttpProblem('unauthorized', 'The access token is not valid');

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
 * (revocation.ts decides) as this instance's view of the revocation feed knows them: no I/O per
 * request while the view is current (docs/security.md, "Revocation without I/O per request").
 */
export class TokenVerifier {
  private constructor(
    private readonly verifier: AccessVerifier,
    private readonly users: UsersRepository,
    private readonly revocations: RevocationSync,
    private readonly log: FastifyBaseLogger,
  ) {}

  static async create(
    config: AppConfig,
    resources: Resources,
    users: UsersRepository,
    revocations: RevocationSync,
    log: FastifyBaseLogger,
  ): Promise<TokenVerifier> {
    const verifier = createVerifier(resources, config.aws.endpoints.cognito);
    // Loading the keys now keeps the first requests fast; if Cognito cannot be reached yet, the
    // verifier fetches them on first use instead (and caches them: never once per request).
    await verifier.hydrate().catch((error: unknown) => log.warn({ err: { name: (error as Error).name } }, 'JWKS not loaded at start-up'));
    return new TokenVerifier(verifier, users, revocations, log);
  }

  /** Verifies the token only (signature, issuer, client, use, expiry): no I/O. */
  async verifyToken(token: string): Promise<CognitoAccessTokenPayload> {
    return this.verify(token);
  }

  /** Verifies an `Authorization: Bearer` header and that the token was not revoked since. */
  async authenticate(header: string | undefined): Promise<AuthenticatedUser> {
    const match = /^Bearer ([\w-]+\.[\w-]*\.[\w-]*)$/.exec(header ?? '');
    if (!match) throw new HttpProblem('unauthorized', 'Send a Cognito access token: Authorization: Bearer <token>');
    const verified = this.verify(match[1]!);
    // Awaited only when the keys had to be fetched: the common case stays on one synchronous path.
    const payload = verified instanceof Promise ? await verified : verified;
    // aws-jwt-verify does not look at iat. A token from the future (only the pool's key can sign one) would
    // compare as newer than every logout and password reset: refused, with a few seconds for clocks.
    if (payload.iat > Date.now() / 1000 + ISSUED_AT_SKEW_SECONDS) throw invalidToken();
    let verdict = this.revocations.verdict(payload);
    if (verdict === 'ask-record') verdict = await this.askRecord(payload);
    if (verdict === 'refused') throw new HttpProblem('unauthorized', 'This session has ended; sign in again');
    return { userId: payload.sub, username: payload.username, issuedAt: payload.iat };
  }

  /** Synchronous with the keys in memory; a promise only when they must be fetched first. */
  private verify(token: string): CognitoAccessTokenPayload | Promise<CognitoAccessTokenPayload> {
    try {
      return this.verifier.verifySync(token);
    } catch (error) {
      // Keys not loaded yet, or a key id we do not know (rotation): the async path fetches them.
      if (error instanceof JwksNotAvailableInCacheError || error instanceof KidNotFoundInJwksError) {
        return this.verifier.verify(token).catch(() => {
          throw invalidToken();
        });
      }
      throw invalidToken();
    }
  }

  /**
   * The view cannot decide (not current, a token of the revoked second, an old token): the record
   * does, as every request did before the feed. If it cannot be read the request is refused with a
   * 503 (fail closed): a token is never accepted on a view we cannot vouch for.
   */
  private async askRecord(payload: CognitoAccessTokenPayload): Promise<'accepted' | 'refused'> {
    let record;
    try {
      record = await this.users.revocation(payload.sub);
    } catch (error) {
      this.log.warn({ err: { name: (error as Error).name } }, 'revocation record not read');
      throw new HttpProblem('unavailable', 'Sessions cannot be checked right now; try again shortly', {}, { 'retry-after': '1' });
    }
    return this.revocations.decideFromRecord(payload, record);
  }
}
