import { z } from 'zod';

export const capturedMail = z.object({
  id: z.string(),
  from: z.string(),
  to: z.array(z.string()),
  subject: z.string(),
  text: z.string().optional(),
  html: z.string().optional(),
  sentAt: z.string().describe('ISO 8601'),
}).meta({ id: 'CapturedMail' });

export const mailQuery = z.object({
  to: z.email().optional().describe('Only mail sent to this address'),
  since: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('Only mail sent at or after this time (ISO 8601; the emulator keeps whole seconds): the local SES then sends only those'),
});

export const mailResponse = z.object({ items: z.array(capturedMail) });
