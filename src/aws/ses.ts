import { GetAccountCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import type { AppConfig } from '../config.js';
import { clientOptions, type HealthCheck } from './client-options.js';

/** SES API v2: it sends HTML+text in one call and its GetAccount is a cheap readiness probe. */
export function createSesClient(config: AppConfig): SESv2Client {
  return new SESv2Client(clientOptions(config, 'ses'));
}

export function sesHealthCheck(client: SESv2Client): HealthCheck {
  return {
    name: 'ses',
    async check(abortSignal) {
      const account = await client.send(new GetAccountCommand({}), { abortSignal });
      if (account.SendingEnabled === false) throw new Error('SES sending is disabled for this account');
    },
  };
}
