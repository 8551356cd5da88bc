import type { FastifyError, FastifyRequest } from 'fastify';
import { isDependencyOutage } from '../../src/aws/client-options.js';
import { DependencyBusyError } from '../../src/aws/limits.js';
import { toProblem } from '../../src/plugins/app/problems.js';
import { client, registeredUser, startAccountsApp, type ApiClient } from '../helpers/accounts.js';
import { failingDynamo, type FailingAwsProxy } from '../helpers/failing-aws.js';
import { testConfig } from '../helpers/stack.js';

/** Errors shaped as the AWS SDK and Node's http client throw them. */
const awsError = (name: string, status: number, fault: 'client' | 'server', extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} from AWS`), { name, $fault: fault, $metadata: { httpStatusCode: status, attempts: 2 }, ...extra });
const networkError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:4566`), { code });

const request = { id: 'req-1', headers: {} } as unknown as FastifyRequest;
const kindOf = (error: unknown) => toProblem(error as FastifyError, request).type.split('/').pop();

describe('which failures are a dependency outage (503 dependency-unavailable)', () => {
  it.each([
    ['an attempt past its request timeout', Object.assign(new Error('request timed out'), { name: 'TimeoutError', code: 'ETIMEDOUT' })],
    ['a connection refused (server stopped)', networkError('ECONNREFUSED')],
    ['a connection reset', networkError('ECONNRESET')],
    ['a broken pipe', networkError('EPIPE')],
    ['a DNS failure', networkError('EAI_AGAIN')],
    ['an AWS 500', awsError('InternalServerError', 500, 'server')],
    ['an AWS 503', awsError('ServiceUnavailable', 503, 'server')],
    ['DynamoDB throttling (a 400)', awsError('ProvisionedThroughputExceededException', 400, 'client')],
    ['S3 SlowDown', awsError('SlowDown', 503, 'server')],
    ['throttling by trait', awsError('SomethingNew', 400, 'client', { $retryable: { throttling: true } })],
    ['a timeout wrapped by our code', Object.assign(new Error('read failed'), { cause: networkError('ETIMEDOUT') })],
    ['a refusal the SDK rewrapped (only its text left)', Object.assign(new Error('AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:9'), { $metadata: { attempts: 1 } })],
  ])('%s', (_what, error) => {
    expect(isDependencyOutage(error)).toBe(true);
    expect(kindOf(error)).toBe('dependency-unavailable');
  });

  it.each([
    ['a bug of ours', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a request AWS rejected (our bug, not an outage)', awsError('ValidationException', 400, 'client')],
    ['a failed condition nobody caught', awsError('ConditionalCheckFailedException', 400, 'client')],
    ['an access denial (configuration)', awsError('AccessDeniedException', 403, 'client')],
  ])('not: %s (500)', (_what, error) => {
    expect(isDependencyOutage(error)).toBe(false);
    expect(kindOf(error)).toBe('internal');
  });

  it('a call shed by the per-dependency bound stays "overloaded"', () => {
    expect(kindOf(new DependencyBusyError('dynamodb', 'queue-full', 2))).toBe('overloaded');
  });
});

/**
 * Through the real HTTP API: DynamoDB's GetItem fails the way an AWS outage does (HTTP 500 with its own
 * error type), behind a proxy in front of the shared stack. The revocation feed (Query) keeps working.
 */
describe('an AWS 5xx on a route answers 503 problem+json with Retry-After, not 500', () => {
  let proxy: FailingAwsProxy;
  let server: Awaited<ReturnType<typeof startAccountsApp>>;
  let api: ApiClient;

  beforeAll(async () => {
    proxy = await failingDynamo(testConfig().aws.endpoints.dynamodb!);
    server = await startAccountsApp({ AWS_MAX_ATTEMPTS: '1' }, { endpoints: { dynamodb: proxy.endpoint } });
    api = client(server.url);
  });
  afterAll(async () => {
    await server?.close();
    await proxy?.close();
  });

  it('GET /v1/photos/{id} while GetItem fails: 503 dependency-unavailable; once it is back, 404', async () => {
    const user = await registeredUser(api, 'outage-5xx');
    const path = '/v1/photos/00000000-0000-4000-8000-000000000000';
    proxy.failing.add('GetItem');
    const failed = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${user.accessToken}` } });
    expect(failed.status).toBe(503);
    expect(failed.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(failed.headers.get('retry-after')).toBe(String(server.app.config.overload.retryAfterSeconds));
    expect(await failed.json()).toMatchObject({ type: expect.stringMatching(/\/problems\/dependency-unavailable$/), status: 503 });

    proxy.failing.clear();
    expect((await api.get(path, user.accessToken)).status).toBe(404);
  });
});
