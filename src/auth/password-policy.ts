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

/** Each rule of the policy a password breaks, worded for the person choosing it. */
export function passwordProblems(password: string, policy: PasswordPolicy = passwordPolicy): string[] {
  const problems: string[] = [];
  if (password.length < policy.minLength) problems.push(`must be at least ${policy.minLength} characters long`);
  if (policy.requireLowercase && !/\p{Ll}/u.test(password)) problems.push('must contain a lowercase letter');
  if (policy.requireUppercase && !/\p{Lu}/u.test(password)) problems.push('must contain an uppercase letter');
  if (policy.requireNumbers && !/\d/.test(password)) problems.push('must contain a number');
  if (policy.requireSymbols && !/[\^$*.[\]{}()?"!@#%&/\\,><':;|_~`=+-]/.test(password)) problems.push('must contain a symbol');
  return problems;
}
