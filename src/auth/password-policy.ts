/**
 * Cognito password policy, shared by sst.config.ts (the user pool) and the API
 * (validation before sign-up), so both always agree.
 */
export const passwordPolicy = {
  minLength: 10,
  requireLowercase: true,
  requireUppercase: true,
  requireNumbers: true,
  requireSymbols: false,
} as const;

export type PasswordPolicy = typeof passwordPolicy;
