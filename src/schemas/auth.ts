import { z } from 'zod';
import { passwordProblems } from '../auth/password-policy.js';

export const email = z.email().max(254).describe('The account email (case-insensitive)');

/** A new password: every broken rule of the pool's policy is reported on its own. */
export const newPassword = z
  .string()
  .max(256)
  .superRefine((value, ctx) => {
    for (const message of passwordProblems(value)) ctx.addIssue({ code: 'custom', message });
  })
  .describe('At least 10 characters with a lowercase letter, an uppercase letter and a number');

const password = z.string().min(1).max(256);
const code = z.string().regex(/^\d{6}$/, 'must be the 6-digit code from the email');

export const signUpBody = z.object({ email, password: newPassword, name: z.string().trim().min(1).max(100).optional() });
export const signUpResponse = z
  .object({ userId: z.string(), confirmationRequired: z.literal(true) })
  .meta({ id: 'SignUpAnswer', description: 'The account exists; the email must be confirmed with the mailed code before signing in' });

export const confirmBody = z.object({ email, code });
export const emailBody = z.object({ email });
export const loginBody = z.object({ email, password });
export const refreshBody = z.object({ refreshToken: z.string().min(1).max(8192) });
export const resetPasswordBody = z.object({ email, code, newPassword });

export const tokensResponse = z
  .object({
    accessToken: z.string(),
    idToken: z.string(),
    refreshToken: z.string(),
    expiresIn: z.number().int().describe('Seconds until the access token expires'),
    tokenType: z.literal('Bearer'),
  })
  .meta({ id: 'Tokens', description: 'Cognito tokens: send the access token as `Authorization: Bearer`' });
export const refreshedTokensResponse = tokensResponse
  .omit({ refreshToken: true })
  .meta({ id: 'RefreshedTokens', description: 'New access and id tokens; the refresh token stays the same' });

export const accepted = z.object({ status: z.literal('accepted') }).meta({ id: 'Accepted' });
export const ok = z.object({ status: z.literal('ok') }).meta({ id: 'Ok' });
export const noContent = z.null().describe('No content');

export const usage = z
  .object({
    photos: z.number().int(),
    bytes: z.number().int().describe('Bytes stored, originals counted once'),
    quotaBytes: z.number().int(),
  })
  .meta({ id: 'Usage' });

export const meResponse = z
  .object({
    userId: z.string(),
    email: z.string(),
    name: z.string().nullable(),
    createdAt: z.string().describe('ISO 8601'),
    usage,
  })
  .meta({ id: 'Me' });
