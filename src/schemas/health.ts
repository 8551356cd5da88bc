import { z } from 'zod';

export const liveResponse = z.object({ status: z.literal('ok') });

const dependencyStatus = z
  .object({
    ok: z.boolean(),
    latencyMs: z.number().describe('How long the probe took'),
    error: z.string().optional().describe('Why the probe failed (error name only, no internals)'),
  })
  .meta({ id: 'DependencyStatus' });

export const readyResponse = z.object({
  status: z.enum(['ok', 'unavailable']),
  dependencies: z.object({
    s3: dependencyStatus,
    dynamodb: dependencyStatus,
    sqs: dependencyStatus,
    ses: dependencyStatus,
    eventbridge: dependencyStatus,
    cognito: dependencyStatus,
  }),
}).meta({ id: 'Readiness' });

export type ReadyResponse = z.infer<typeof readyResponse>;
