/**
 * Every item key of the single table, in one place: each access pattern in docs/data-model.md
 * maps to one of these builders. Prefixes keep entities apart inside a partition.
 */
export const keys = {
  /** A user's profile: created once when the account is confirmed. */
  profile: (userId: string) => ({ PK: `USER#${userId}`, SK: 'PROFILE' }),
  /** Tokens authenticated at or before `revokedBefore` are refused (logout, password reset). */
  tokenRevocation: (userId: string) => ({ PK: `USER#${userId}`, SK: 'REVOCATION' }),
  /** Attempts counted per subject (e.g. a hashed email) and fixed time window. */
  rateLimit: (scope: string, subject: string, windowStart: number) => ({
    PK: `RATELIMIT#${scope}#${subject}`,
    SK: `WINDOW#${windowStart}`,
  }),
  /** A side effect that must happen once (src/jobs/idempotency.ts). */
  idempotency: (key: string) => ({ PK: `IDEMPOTENCY#${key}`, SK: 'IDEMPOTENCY' }),
} as const;
