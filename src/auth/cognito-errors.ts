import { HttpProblem } from '../lib/problem.js';

/** The account operations whose Cognito errors we translate. */
export type AccountOperation = 'signup' | 'confirm' | 'resend-code' | 'login' | 'refresh' | 'forgot-password' | 'reset-password';

const INVALID_CREDENTIALS = 'Incorrect email or password';

/**
 * Maps a Cognito error to the problem a client sees, or returns undefined for errors that are
 * ours to report as 500. The same exception can mean different things per operation (an
 * InvalidPasswordException is a wrong password at login on the local emulator, a weak one at
 * sign-up), and login must answer unknown email and wrong password alike (no user enumeration).
 */
export function cognitoProblem(operation: AccountOperation, error: unknown): HttpProblem | undefined {
  const name = (error as { name?: string } | undefined)?.name ?? '';
  switch (name) {
    case 'UsernameExistsException':
      return new HttpProblem('conflict', 'An account with this email already exists');
    case 'UserNotConfirmedException':
      return new HttpProblem('forbidden', 'confirmation required: confirm your email with the code we sent you', {
        reason: 'confirmation-required',
      });
    case 'CodeMismatchException':
      return new HttpProblem('validation', 'The code is not valid', { errors: [{ path: 'body.code', message: 'is not valid' }] });
    case 'ExpiredCodeException':
      return new HttpProblem('validation', 'The code has expired; ask for a new one', {
        errors: [{ path: 'body.code', message: 'has expired' }],
      });
    case 'LimitExceededException':
    case 'TooManyRequestsException':
    case 'TooManyFailedAttemptsException':
      return new HttpProblem('tooManyRequests', 'Too many attempts; try again later', {}, { 'retry-after': '60' });
    case 'InvalidPasswordException':
      if (operation === 'login') return new HttpProblem('unauthorized', INVALID_CREDENTIALS);
      return new HttpProblem('validation', 'The password does not meet the policy', {
        errors: [{ path: operation === 'reset-password' ? 'body.newPassword' : 'body.password', message: 'does not meet the password policy' }],
      });
    case 'NotAuthorizedException':
    case 'UserNotFoundException':
      if (operation === 'login' || operation === 'refresh') {
        return new HttpProblem('unauthorized', operation === 'login' ? INVALID_CREDENTIALS : 'The refresh token is not valid');
      }
      if (operation === 'confirm') return new HttpProblem('conflict', 'This account cannot be confirmed (it may be confirmed already)');
      // An unknown account looks exactly like a wrong code: no user enumeration.
      if (operation === 'reset-password') return cognitoProblem(operation, { name: 'CodeMismatchException' });
      // forgot-password and resend-code answer 202 whatever happened (the caller decides).
      return undefined;
    case 'InvalidParameterException':
      return new HttpProblem('validation', 'Cognito refused a parameter of this request');
    default:
      return undefined;
  }
}
