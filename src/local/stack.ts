import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { passwordPolicy } from '../auth/password-policy.js';
import type { AwsEndpoints, Resources } from '../config.js';
import { localCognito, type CognitoMessage } from './cognito.js';
import { localDynamo } from './dynamodb.js';
import { localEventBridge } from './eventbridge.js';
import { freePort } from './ports.js';
import { provisionQueues, provisionTable, provisionUserPoolClient } from './provision.js';
import { localS3 } from './s3.js';
import { localSes } from './ses.js';
import { localSqs } from './sqs.js';
import { LOCAL_CREDENTIALS, type LocalService } from './service.js';

export interface LocalStackOptions {
  dataDir: string;
  /** Wipe the data folder first. */
  reset?: boolean;
  region?: string;
  visibilitySeconds?: number;
  /** Origins the bucket's CORS allows (the app's, CORS_ORIGINS); the Expo dev server's by default. */
  corsOrigins?: readonly string[];
}

export interface LocalStack {
  region: string;
  endpoints: Required<AwsEndpoints>;
  resources: Resources;
  credentials: typeof LOCAL_CREDENTIALS;
  /** HMAC key of the listing cursors, kept in stack.json: cursors survive restarts. */
  cursorSecret: string;
  services: Record<LocalService['name'], LocalService>;
  /** Wall-clock milliseconds from call to ready. */
  startupMs: number;
  stop(): Promise<void>;
}

/** Ids that must survive restarts (the data refers to them), kept in <dataDir>/stack.json. */
interface StackIdentity {
  userPoolId: string;
  userPoolClientId?: string;
  /** Hex of 32 random bytes; added to older stack.json files on the next start. */
  cursorSecret?: string;
}

const NAMES = {
  bucket: 'auroravault-photos',
  table: 'auroravault',
  queue: 'auroravault-jobs',
  dlq: 'auroravault-jobs-dlq',
  emailFrom: 'no-reply@auroravault.local',
  eventBus: 'auroravault',
  cognitoSender: 'no-reply@verificationemail.com',
} as const;

async function readIdentity(file: string, region: string): Promise<StackIdentity & { cursorSecret: string }> {
  let identity: StackIdentity;
  try {
    identity = JSON.parse(await fs.readFile(file, 'utf8')) as StackIdentity;
  } catch {
    // Real pool ids are <region>_<9 alphanumerics>; aws-jwt-verify checks the shape.
    const suffix = randomBytes(12).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 9).padEnd(9, 'x');
    identity = { userPoolId: `${region}_${suffix}` };
  }
  return { ...identity, cursorSecret: identity.cursorSecret ?? randomBytes(32).toString('hex') };
}

const COGNITO_SUBJECTS: Record<string, string> = {
  SignUp: 'Your verification code',
  ResendCode: 'Your verification code',
  ForgotPassword: 'Your password reset code',
};

/**
 * Starts every AWS-compatible server on free loopback ports, provisions what the app needs
 * (idempotently), and returns where everything runs. Data lives under options.dataDir.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const started = Date.now();
  // cognito-local still uses the AWS SDK v2 (for Lambda triggers we do not use): skip its notice.
  process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE ??= '1';
  const region = options.region ?? 'us-east-1';
  const dataDir = path.resolve(options.dataDir);
  if (options.reset) await fs.rm(dataDir, { recursive: true, force: true });
  await fs.mkdir(dataDir, { recursive: true });
  const identityFile = path.join(dataDir, 'stack.json');
  const identity = await readIdentity(identityFile, region);

  const [s3Port, dynamoPort, sqsPort, sesPort, cognitoPort, eventsPort] = await Promise.all(
    Array.from({ length: 6 }, () => freePort()),
  );
  const sesEndpoint = `http://127.0.0.1:${sesPort}`;
  const sesClient = new SESv2Client({ region, endpoint: sesEndpoint, credentials: { ...LOCAL_CREDENTIALS } });

  // In production Cognito mails codes itself; locally they go through the local SES so that
  // every mail the platform causes can be read in one place (GET /_dev/mail).
  const deliverCognitoMessage = async (message: CognitoMessage) => {
    const subject = COGNITO_SUBJECTS[message.source] ?? `Your ${message.source} code`;
    const text = `${subject}: ${message.code}`;
    await sesClient.send(
      new SendEmailCommand({
        FromEmailAddress: NAMES.cognitoSender,
        Destination: { ToAddresses: [message.to] },
        Content: { Simple: { Subject: { Data: subject }, Body: { Text: { Data: text } } } },
      }),
    );
  };

  const clientOptions = { region, credentials: { ...LOCAL_CREDENTIALS } };
  const sqs = new SQSClient({ ...clientOptions, endpoint: `http://127.0.0.1:${sqsPort}` });
  let queues: { queueUrl: string; dlqUrl: string } | undefined;

  const services = {
    s3: localS3({ port: s3Port!, directory: path.join(dataDir, 's3'), bucket: NAMES.bucket, corsOrigins: options.corsOrigins }),
    dynamodb: localDynamo({ port: dynamoPort!, directory: path.join(dataDir, 'dynamodb') }),
    sqs: localSqs({
      port: sqsPort!,
      directory: path.join(dataDir, 'sqs'),
      provision: async () => {
        queues = await provisionQueues(sqs, { queue: NAMES.queue, dlq: NAMES.dlq }, options.visibilitySeconds ?? 60);
      },
    }),
    ses: localSes({ port: sesPort! }),
    cognito: localCognito({
      port: cognitoPort!,
      directory: path.join(dataDir, 'cognito'),
      region,
      pool: () => ({
        id: identity.userPoolId,
        name: 'auroravault-users',
        passwordPolicy: {
          MinimumLength: passwordPolicy.minLength,
          RequireLowercase: passwordPolicy.requireLowercase,
          RequireUppercase: passwordPolicy.requireUppercase,
          RequireNumbers: passwordPolicy.requireNumbers,
          RequireSymbols: passwordPolicy.requireSymbols,
        },
      }),
      deliver: deliverCognitoMessage,
    }),
    eventbridge: localEventBridge({ port: eventsPort!, directory: path.join(dataDir, 'eventbridge'), busNames: () => [NAMES.eventBus] }),
  } satisfies Record<LocalService['name'], LocalService>;

  const all = Object.values(services);
  const stop = async () => {
    await Promise.allSettled(all.map((service) => service.stop()));
    sqs.destroy();
  };

  try {
    // DynamoDB Local (a JVM) dominates start-up, so everything starts at once.
    await Promise.all(all.map((service) => service.start()));

    const dynamo = new DynamoDBClient({ ...clientOptions, endpoint: services.dynamodb.endpoint });
    const cognito = new CognitoIdentityProviderClient({ ...clientOptions, endpoint: services.cognito.endpoint });
    const [, userPoolClientId] = await Promise.all([
      provisionTable(dynamo, NAMES.table),
      provisionUserPoolClient(cognito, identity.userPoolId, identity.userPoolClientId),
    ]);
    await fs.writeFile(identityFile, JSON.stringify({ ...identity, userPoolClientId }, null, 2));
    dynamo.destroy();
    cognito.destroy();
    if (!queues) throw new Error('the local SQS started without its queues');

    return {
      region,
      endpoints: {
        s3: services.s3.endpoint,
        dynamodb: services.dynamodb.endpoint,
        sqs: services.sqs.endpoint,
        ses: services.ses.endpoint,
        cognito: services.cognito.endpoint,
        eventbridge: services.eventbridge.endpoint,
      },
      resources: {
        bucket: NAMES.bucket,
        table: NAMES.table,
        queueUrl: queues.queueUrl,
        dlqUrl: queues.dlqUrl,
        emailFrom: NAMES.emailFrom,
        userPoolId: identity.userPoolId,
        userPoolClientId,
        eventBusName: NAMES.eventBus,
      },
      credentials: { ...LOCAL_CREDENTIALS },
      cursorSecret: identity.cursorSecret,
      services,
      startupMs: Date.now() - started,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
