import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AppConfig } from '../config.js';
import { clientOptions, type HealthCheck } from './client-options.js';

export function createDynamoClient(config: AppConfig): DynamoDBDocumentClient {
  const client = new DynamoDBClient(clientOptions(config, 'dynamodb'));
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

export function dynamoHealthCheck(client: DynamoDBDocumentClient, table: string): HealthCheck {
  return {
    name: 'dynamodb',
    async check(abortSignal) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: table }), { abortSignal });
      if (Table?.TableStatus !== 'ACTIVE' && Table?.TableStatus !== 'UPDATING') {
        throw new Error(`table ${table} is ${Table?.TableStatus ?? 'unknown'}`);
      }
    },
  };
}
