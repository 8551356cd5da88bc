import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import {
  CreateUserPoolClientCommand,
  DescribeUserPoolClientCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { CreateQueueCommand, GetQueueAttributesCommand, SetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { tableSchema } from '../data/table-schema.js';
import { MAX_RECEIVES } from '../jobs/queue-policy.js';

/** Creates the table and its indexes unless they exist, then turns TTL on (accepted, never enforced locally). */
export async function provisionTable(client: DynamoDBClient, table: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: table }));
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  const keys = [tableSchema.partitionKey, tableSchema.sortKey, ...tableSchema.globalIndexes.flatMap((i) => [i.partitionKey, i.sortKey])];
  await client.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: keys.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
      KeySchema: [
        { AttributeName: tableSchema.partitionKey, KeyType: 'HASH' },
        { AttributeName: tableSchema.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: tableSchema.globalIndexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: table,
      TimeToLiveSpecification: { AttributeName: tableSchema.ttlAttribute, Enabled: true },
    }),
  );
}

/**
 * The job queue and its dead-letter queue. The local queues outlive a run (with their messages):
 * each is created if missing, then given this run's attributes (e.g. another visibility timeout).
 */
export async function provisionQueues(
  client: SQSClient,
  names: { queue: string; dlq: string },
  visibilitySeconds: number,
): Promise<{ queueUrl: string; dlqUrl: string }> {
  const ensure = async (name: string, attributes: Record<string, string>) => {
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: name }));
    await client.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: attributes }));
    return QueueUrl!;
  };
  const dlqUrl = await ensure(names.dlq, { MessageRetentionPeriod: String(14 * 24 * 3600) });
  const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }));
  const queueUrl = await ensure(names.queue, {
    VisibilityTimeout: String(visibilitySeconds),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes!.QueueArn, maxReceiveCount: MAX_RECEIVES }),
  });
  return { queueUrl, dlqUrl };
}

/** The app client the API uses: no secret, password and refresh-token auth. Reused when it still exists. */
export async function provisionUserPoolClient(
  client: CognitoIdentityProviderClient,
  userPoolId: string,
  knownClientId: string | undefined,
): Promise<string> {
  if (knownClientId) {
    const found = await client
      .send(new DescribeUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: knownClientId }))
      .catch(() => undefined);
    if (found?.UserPoolClient) return knownClientId;
  }
  const created = await client.send(
    new CreateUserPoolClientCommand({
      UserPoolId: userPoolId,
      ClientName: 'auroravault-api',
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    }),
  );
  return created.UserPoolClient!.ClientId!;
}
