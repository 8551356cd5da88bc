import { meetsPasswordRules, passwordRules, unmetPasswordRules } from '../../src/core/password-rules';

const unmet = (password: string) => unmetPasswordRules(password).map((rule) => rule.id);

test('an empty password breaks every rule, in checklist order', () => {
  expect(unmet('')).toEqual(['length', 'lowercase', 'uppercase', 'number']);
  expect(passwordRules.map((rule) => rule.label)).toEqual(['At least 10 characters', 'A lowercase letter', 'An uppercase letter', 'A number']);
});

test('each rule on its own', () => {
  expect(unmet('Abcdefgh1')).toEqual(['length']);
  expect(unmet('ABCDEFGH12')).toEqual(['lowercase']);
  expect(unmet('abcdefgh12')).toEqual(['uppercase']);
  expect(unmet('Abcdefghij')).toEqual(['number']);
  expect(meetsPasswordRules('Abcdefgh12')).toBe(true);
  expect(meetsPasswordRules('Abcdefgh1')).toBe(false);
});

test('letters of any script count; digits are 0-9 only', () => {
  expect(meetsPasswordRules('Жжжжжжжжж1')).toBe(true);
  expect(unmet('Abcdefgh١٢')).toEqual(['number']);
  // A titlecase letter is neither upper- nor lowercase, as on the server.
  expect(unmet('ǅ123456789')).toEqual(['lowercase', 'uppercase']);
});
