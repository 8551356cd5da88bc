import { CognitoIdentityProviderClient, DescribeUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import type { AppConfig } from '../config.js';
import { clientOptions, type HealthCheck } from './client-options.js';

export function createCognitoClient(config: AppConfig): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient(clientOptions(config, 'cognito'));
}

export function cognitoHealthCheck(client: CognitoIdentityProviderClient, userPoolId: string): HealthCheck {
  return {
    name: 'cognito',
    async check(abortSignal) {
      await client.send(new DescribeUserPoolCommand({ UserPoolId: userPoolId }), { abortSignal });
    },
  };
}
