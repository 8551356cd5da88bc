import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('defaults to the embedded local stack on port 3000', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ stack: 'local', port: 3000, host: '127.0.0.1', devRoutes: true });
    expect(config.http.trustProxy).toBe(false);
  });

  it('names every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: '99999', LOG_LEVEL: 'loud', WORKER_CONCURRENCY: '-1', AWS_ENDPOINT_URL_S3: 'not a url' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const names = (error as ConfigError).problems.map((p) => p.split(':')[0]).sort();
    expect(names).toEqual(['AWS_ENDPOINT_URL_S3', 'LOG_LEVEL', 'PORT', 'WORKER_CONCURRENCY']);
  });

  it('reads TRUST_PROXY as a hop count, or true/false', () => {
    expect(loadConfig({ TRUST_PROXY: '2' }).http.trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '1' }).http.trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'true' }).http.trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '0' }).http.trustProxy).toBe(false);
  });

  it('reads resources from SST links, with plain variables winning', () => {
    const config = loadConfig({
      STACK: 'aws',
      SST_RESOURCE_Photos: JSON.stringify({ name: 'photos-bucket' }),
      SST_RESOURCE_Table: JSON.stringify({ name: 'table-1' }),
      SST_RESOURCE_Jobs: JSON.stringify({ url: 'https://sqs.us-east-1.amazonaws.com/1/jobs' }),
      SST_RESOURCE_JobsDlq: JSON.stringify({ url: 'https://sqs.us-east-1.amazonaws.com/1/dlq' }),
      SST_RESOURCE_Email: JSON.stringify({ sender: 'noreply@example.com' }),
      SST_RESOURCE_UserPool: JSON.stringify({ id: 'us-east-1_Abc123xyz' }),
      SST_RESOURCE_UserPoolClient: JSON.stringify({ id: 'client1' }),
      SST_RESOURCE_Bus: JSON.stringify({ name: 'bus-1' }),
      SST_RESOURCE_CursorSecret: JSON.stringify({ value: 'c'.repeat(40) }),
      DYNAMODB_TABLE: 'override-table',
    });
    expect(config.resources).toEqual({
      bucket: 'photos-bucket',
      table: 'override-table',
      queueUrl: 'https://sqs.us-east-1.amazonaws.com/1/jobs',
      dlqUrl: 'https://sqs.us-east-1.amazonaws.com/1/dlq',
      emailFrom: 'noreply@example.com',
      userPoolId: 'us-east-1_Abc123xyz',
      userPoolClientId: 'client1',
      eventBusName: 'bus-1',
    });
    expect(config.devRoutes).toBe(false);
    expect(config.secrets.cursor).toBe('c'.repeat(40));
  });

  it('needs CURSOR_SECRET (32+ characters) with STACK=aws; local mode takes the stack\'s', () => {
    const aws = {
      STACK: 'aws',
      S3_BUCKET: 'photos-bucket',
      DYNAMODB_TABLE: 'table-1',
      SQS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/jobs',
      SQS_DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/1/dlq',
      SES_FROM_ADDRESS: 'noreply@example.com',
      COGNITO_USER_POOL_ID: 'us-east-1_Abc123xyz',
      COGNITO_CLIENT_ID: 'client1',
      EVENT_BUS_NAME: 'bus-1',
    };
    expect(() => loadConfig(aws)).toThrow(/CURSOR_SECRET: required when STACK=aws/);
    expect(() => loadConfig({ ...aws, CURSOR_SECRET: 'too-short' })).toThrow(/CURSOR_SECRET/);
    expect(loadConfig({ ...aws, CURSOR_SECRET: 's'.repeat(32) }).secrets.cursor).toBe('s'.repeat(32));
    expect(loadConfig({}).secrets.cursor).toBe('');
    expect(loadConfig({}).photos.sweepIntervalSeconds).toBe(60);
    expect(loadConfig({ SWEEP_INTERVAL_SECONDS: '0' }).photos.sweepIntervalSeconds).toBe(0);
  });
});
