import { z } from 'zod';
import { PROBLEM_CONTENT_TYPE } from '../lib/problem.js';

/** One invalid field of a validation problem. */
export const fieldError = z
  .object({ path: z.string().describe('Where, e.g. `body.items.3.size`'), message: z.string() })
  .meta({ id: 'FieldError' });

/** RFC 9457 problem details: the body of every error answer (src/plugins/app/problems.ts). */
export const problemSchema = z
  .object({
    type: z.string().describe('A URI naming the kind of problem; clients switch on it'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional().describe('What went wrong with this request, for a person'),
    instance: z.string().optional(),
    errors: z.array(fieldError).optional().describe('Each invalid field (validation problems only)'),
  })
  .loose()
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

/** What each error status means when a route does not say more. */
export const PROBLEM_DESCRIPTIONS = {
  400: 'The request is not valid: malformed JSON or a field that breaks its rules (`errors` lists each one)',
  401: 'Not signed in: the access token is missing, invalid, expired or revoked',
  403: 'Not allowed',
  404: 'Not found (another account\'s resources are not found either)',
  409: 'Conflicts with the current state; the detail says why',
  413: 'The request body is larger than the service accepts',
  415: 'The request body is not application/json',
  429: 'Too many requests; wait Retry-After seconds before trying again',
  500: 'Something failed on our side; the instance names the request id to quote',
  503: 'A dependency is unavailable for a moment; try again (after Retry-After seconds when it is sent)',
} as const;
export type ProblemStatus = keyof typeof PROBLEM_DESCRIPTIONS;

/** A documented error answer: problem+json, which is what the error handler sends. */
export function problemResponse(status: ProblemStatus, description: string = PROBLEM_DESCRIPTIONS[status]) {
  return { description, content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema } } };
}

/** `{ 400: ..., 401: ... }` problem+json answers for a route's response schema. */
export function problemResponses<const S extends ProblemStatus>(...statuses: S[]): Record<S, ReturnType<typeof problemResponse>> {
  return Object.fromEntries(statuses.map((status) => [status, problemResponse(status)])) as Record<S, ReturnType<typeof problemResponse>>;
}

/** A documented JSON answer with a description that says what it is. */
export function jsonResponse<const T extends z.ZodType>(description: string, schema: T) {
  return { description, content: { 'application/json': { schema } } };
}
