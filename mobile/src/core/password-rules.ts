/**
 * The API's password policy, mirrored so the app can show each rule before the user submits
 * (the server's is src/auth/password-policy.ts at the repository root). The root test
 * test/auth/password-rules-parity.test.ts checks both agree on many passwords: change them together.
 *
 * Plain TypeScript without imports, so the root project can load this file as it is.
 */

export type PasswordRuleId = 'length' | 'lowercase' | 'uppercase' | 'number';

export interface PasswordRule {
  id: PasswordRuleId;
  /** Shown in the checklist as it is. */
  label: string;
  test(password: string): boolean;
}

export const PASSWORD_MIN_LENGTH = 10;
/** The API refuses longer passwords outright (not a rule worth a checklist line: the field stops there). */
export const PASSWORD_MAX_LENGTH = 256;

// Same character classes as the server: any script's letters count, digits are 0-9 only.
export const passwordRules: readonly PasswordRule[] = [
  { id: 'length', label: `At least ${PASSWORD_MIN_LENGTH} characters`, test: (password) => password.length >= PASSWORD_MIN_LENGTH },
  { id: 'lowercase', label: 'A lowercase letter', test: (password) => /\p{Ll}/u.test(password) },
  { id: 'uppercase', label: 'An uppercase letter', test: (password) => /\p{Lu}/u.test(password) },
  { id: 'number', label: 'A number', test: (password) => /\d/.test(password) },
];

export function unmetPasswordRules(password: string): PasswordRule[] {
  return passwordRules.filter((rule) => !rule.test(password));
}

export function meetsPasswordRules(password: string): boolean {
  return unmetPasswordRules(password).length === 0;
}
