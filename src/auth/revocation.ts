/**
 * Token revocation decisions (logout, password reset). JWT times have one-second resolution, so
 * the second in which sessions were revoked holds both tokens issued before the revocation and
 * tokens issued after it: only sessions admitted by name are valid in that second.
 * See docs/security.md, "Sign-out and the revoked second".
 */

export interface Revocation {
  /** Tokens issued before this second are refused; in it, only `sessions` are accepted. */
  revokedBefore: number;
  /** Changes with every revocation, so an admission can be tied to the revocation it was checked against. */
  revocationId?: string;
  /** Session ids (origin_jti, or jti) issued after the revocation within its second. */
  sessions: string[];
  /** Proof of a password reset whose Cognito sign-out is still owed (hash of user id and code). */
  pendingSignOut?: string;
  /** Raised by every write of the record (0: written before versions existed); orders the revocation feed. */
  version?: number;
}

export interface SessionClaims {
  iat: number;
  jti: string;
  /** Real Cognito names the refresh-token session every access token came from; cognito-local does not. */
  origin_jti?: string;
}

/** One id for every access token of a session where Cognito says which session it is. */
export const sessionId = (claims: SessionClaims): string => claims.origin_jti ?? claims.jti;

export function isRevoked(claims: SessionClaims, revocation: Revocation | undefined): boolean {
  if (!revocation) return false;
  if (claims.iat !== revocation.revokedBefore) return claims.iat < revocation.revokedBefore;
  return !revocation.sessions.includes(sessionId(claims));
}

/**
 * What to do with tokens just issued (login, refresh), given the revocation read before asking
 * Cognito for them (`before`, undefined when not read) and the one read after:
 * - `valid`: our API accepts them as they are;
 * - `admit`: they fall in the revoked second, but the same revocation was already in place before
 *   Cognito issued them, so they are newer than it: record their session as valid in that second;
 * - `retry`: whether they came before or after the revocation cannot be told; ask Cognito again,
 *   this time with the revocation read first.
 */
export function newSessionVerdict(claims: SessionClaims, before: Revocation | undefined, after: Revocation | undefined): 'valid' | 'admit' | 'retry' {
  if (!after || !isRevoked(claims, after)) return 'valid';
  const sameRevocation = after.revocationId !== undefined && before?.revocationId === after.revocationId;
  return sameRevocation && claims.iat === after.revokedBefore ? 'admit' : 'retry';
}
