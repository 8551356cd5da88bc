import { useEffect, useState } from 'react';
import { toApiError, type ApiError } from '../../core/errors';
import { meetsPasswordRules } from '../../core/password-rules';

// What the three auth screens say about input and failures, worded once so they say it alike.

export const NETWORK_MESSAGE = "Can't reach AuroraVault. Check your connection.";

/** Loose on purpose: the API has the last word (its answer lands on the field); this catches typos before a round trip. */
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The message for the Email field, or undefined when it looks like an address. */
export function emailProblem(email: string): string | undefined {
  if (!email.trim()) return 'Enter your email.';
  if (!EMAIL_SHAPE.test(email.trim())) return 'Enter a valid email address, like name@example.com.';
  return undefined;
}

const CODE_SHAPE = /^\d{6}$/;

export function codeProblem(code: string): string | undefined {
  return CODE_SHAPE.test(code.trim()) ? undefined : 'Enter the 6-digit code from the email.';
}

/** The message for a new password, or undefined when it meets every rule (the checklist under the field says which are missing). */
export function passwordProblem(password: string): string | undefined {
  return meetsPasswordRules(password) ? undefined : 'Choose a password that meets every rule below.';
}

export function tooManyAttempts(retryAfterMs: number | undefined): string {
  if (retryAfterMs === undefined) return 'Too many attempts, try again in a moment.';
  return `Too many attempts, try again in ${Math.max(1, Math.ceil(retryAfterMs / 1000))} s.`;
}

/** A sentence for a failure that is not about one field. */
export function failureMessage(error: unknown): string {
  const problem = toApiError(error);
  if (problem.isNetworkError) return NETWORK_MESSAGE;
  if (problem.status === 429) return tooManyAttempts(problem.retryAfterMs);
  if (problem.status >= 500) return 'AuroraVault is having trouble right now. Try again in a moment.';
  return problem.detail ?? problem.title;
}

/** The server's code errors ("is not valid", "has expired") as what the person can do about them. */
function codeMessage(message: string): string {
  return /expired/i.test(message) ? 'This code has expired. Ask for a new one below.' : 'This code is not valid. Check the email we sent, or ask for a new one.';
}

export type FieldErrors<K extends string> = Partial<Record<K, string>>;

/**
 * A failed call as a form shows it: a 400's problem+json `errors[]` (paths like `body.password`) on
 * the fields `labels` names (body property -> label), anything else as one sentence for the banner.
 */
export function formFailure<K extends string>(error: unknown, labels: Record<K, string>): { problem: ApiError; fields: FieldErrors<K>; banner?: string } {
  const problem = toApiError(error);
  const placed = problem.status === 400 && problem.errors.length > 0 ? fieldErrorsFrom(problem, labels) : undefined;
  return { problem, fields: placed?.fields ?? {}, banner: placed && placed.rest.length === 0 ? undefined : failureMessage(problem) };
}

function fieldErrorsFrom<K extends string>(problem: ApiError, fields: Record<K, string>): { fields: FieldErrors<K>; rest: string[] } {
  const messages = new Map<K, string[]>();
  const rest: string[] = [];
  for (const error of problem.errors) {
    const key = error.path.replace(/^body\./, '') as K;
    if (fields[key] === undefined) rest.push(`${error.path}: ${error.message}`);
    else messages.set(key, [...(messages.get(key) ?? []), error.message]);
  }
  const found: FieldErrors<K> = {};
  for (const [key, list] of messages) found[key] = key === 'code' ? codeMessage(list[0] ?? '') : sentence(fields[key], list);
  return { fields: found, rest };
}

/** ["must contain a number", "must contain a lowercase letter"] -> "Password must contain a number and must contain a lowercase letter." */
function sentence(label: string, messages: string[]): string {
  if (!messages.every((message) => /^\p{Ll}/u.test(message))) return messages.join(' ');
  const joined = messages.length > 1 ? `${messages.slice(0, -1).join(', ')} and ${messages[messages.length - 1]}` : messages[0];
  return `${label} ${joined}.`;
}

/** A form's banner; toLogin adds a "Go to log in" action (sign-up's account confirmed already). */
export interface FormMessage {
  kind: 'error' | 'success' | 'info';
  text: string;
  toLogin?: boolean;
}

/**
 * A form's field errors and banner. showFailure puts a failed call on them (field errors on their
 * fields, the rest as the banner) and returns the problem for what the screen does besides.
 */
export function useFormFeedback<K extends string>(labels: Record<K, string>) {
  const [errors, setErrors] = useState<FieldErrors<K>>({});
  const [message, setMessage] = useState<FormMessage | undefined>();
  function showFailure(error: unknown): ApiError {
    const failure = formFailure(error, labels);
    setErrors(failure.fields);
    setMessage(failure.banner ? { kind: 'error', text: failure.banner } : undefined);
    return failure.problem;
  }
  function clear() {
    setMessage(undefined);
    setErrors({});
  }
  return { errors, setErrors, message, setMessage, showFailure, clear };
}

/**
 * Seconds left before a "send a new code" button works again; start(n) begins a countdown, and
 * startFrom(problem) begins the one a refusal asked for (429 Retry-After), if it named one.
 */
export function useCooldown(): { remaining: number; start(seconds: number): void; startFrom(problem: ApiError): void } {
  const [remaining, setRemaining] = useState(0);
  useEffect(() => {
    if (remaining <= 0) return;
    const timer = setTimeout(() => setRemaining((left) => left - 1), 1000);
    return () => clearTimeout(timer);
  }, [remaining]);
  return {
    remaining,
    start: setRemaining,
    startFrom: (problem) => {
      if (problem.retryAfterMs !== undefined) setRemaining(Math.ceil(problem.retryAfterMs / 1000));
    },
  };
}

export const RESEND_COOLDOWN_SECONDS = 30;
