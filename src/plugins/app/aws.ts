import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { HealthCheck } from '../../aws/client-options.js';
import { cognitoHealthCheck, createCognitoClient } from '../../aws/cognito.js';
import { createDynamoClient, dynamoHealthCheck } from '../../aws/dynamodb.js';
import { createEventBridgeClient, eventBridgeHealthCheck } from '../../aws/eventbridge.js';
import { createS3Client, s3HealthCheck } from '../../aws/s3.js';
import { createPresigner, type S3Presigner } from '../../aws/s3-presigner.js';
import { createSesClient, sesHealthCheck } from '../../aws/ses.js';
import { createSqsClient, sqsHealthCheck } from '../../aws/sqs.js';
import type { AppConfig, Resources } from '../../config.js';

export interface AwsClients {
  s3: S3Client;
  dynamo: DynamoDBDocumentClient;
  /**
   * The revocation feed's once-a-second poll, on its own sockets and slots (src/aws/limits.ts): under
   * overload it must not queue behind request traffic or be shed with it, or the view goes stale and
   * every request falls back to a read of its own, adding load exactly when there is too much.
   */
  dynamoFeed: DynamoDBDocumentClient;
  sqs: SQSClient;
  ses: SESv2Client;
  events: EventBridgeClient;
  cognito: CognitoIdentityProviderClient;
}

declare module 'fastify' {
  interface FastifyInstance {
    config: AppConfig;
    resources: Resources;
    aws: AwsClients;
    /** Narrow presigned URLs for the photo bucket (our own SigV4: ~20x cheaper than the SDK's). */
    presigner: S3Presigner;
    healthChecks: HealthCheck[];
  }
}

/** Builds every AWS client once per app and closes them last, after jobs and requests are done. */
export default fp(
  async function aws(app: FastifyInstance, options: { config: AppConfig; resources: Resources }) {
    const { config, resources } = options;
    const clients: AwsClients = {
      s3: createS3Client(config),
      dynamo: createDynamoClient(config),
      dynamoFeed: createDynamoClient(config),
      sqs: createSqsClient(config),
      ses: createSesClient(config),
      events: createEventBridgeClient(config),
      cognito: createCognitoClient(config),
    };
    app.decorate('config', config);
    app.decorate('resources', resources);
    app.decorate('aws', clients);
    app.decorate(
      'presigner',
      createPresigner({
        endpoint: config.aws.endpoints.s3,
        region: config.region,
        bucket: resources.bucket,
        credentials: () => clients.s3.config.credentials(),
      }),
    );
    app.decorate('healthChecks', [
      s3HealthCheck(clients.s3, resources.bucket),
      dynamoHealthCheck(clients.dynamo, resources.table),
      sqsHealthCheck(clients.sqs, resources.queueUrl),
      sesHealthCheck(clients.ses),
      eventBridgeHealthCheck(clients.events, resources.eventBusName),
      cognitoHealthCheck(clients.cognito, resources.userPoolId),
    ]);
    app.addHook('onClose', async () => {
      for (const client of Object.values(clients)) client.destroy();
    });
  },
  { name: 'aws' },
);
