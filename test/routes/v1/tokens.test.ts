import { createSign, generateKeyPairSync } from 'node:crypto';
import {
  AdminConfirmSignUpCommand,
  type CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { createCognitoClient } from '../../../src/aws/cognito.js';
import { client, GOOD_PASSWORD, registeredUser, startAccountsApp, uniqueEmail, type ApiClient } from '../../helpers/accounts.js';
import { testConfig } from '../../helpers/stack.js';

// The local Cognito signs with a key shipped in its package: tests can mint tokens it would mint.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const localKey = require('cognito-local/lib/keys/cognitoLocal.private.json') as { pem: string };

const b64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

function sign(header: Record<string, unknown>, payload: Record<string, unknown>, pem: string): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(pem).toString('base64url')}`;
}

function decode(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>);
  return { header: header!, payload: payload! };
}

async function loginWithClient(cognito: CognitoIdentityProviderClient, clientId: string, email: string): Promise<string> {
  const result = await cognito.send(
    new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: GOOD_PASSWORD } }),
  );
  return result.AuthenticationResult!.AccessToken!;
}

describe('only unexpired access tokens of our pool and client, correctly signed, get in', () => {
  let server: Awaited<ReturnType<typeof startAccountsApp>>;
  let api: ApiClient;
  let user: Awaited<ReturnType<typeof registeredUser>>;
  const cognito = createCognitoClient(testConfig());

  beforeAll(async () => {
    server = await startAccountsApp();
    api = client(server.url);
    user = await registeredUser(api, 'tokens');
  });
  afterAll(async () => {
    cognito.destroy();
    await server.close();
  });

  const status = async (token: string) => (await api.get('/v1/me', token)).status;

  it('the access token itself works, and so does a token re-signed with the pool key unchanged (the minting is faithful)', async () => {
    expect(await status(user.accessToken)).toBe(200);
    const { header, payload } = decode(user.accessToken);
    expect(await status(sign(header, payload, localKey.pem))).toBe(200);
  });

  it('an id token is refused', async () => {
    expect(await status(user.idToken)).toBe(401);
  });

  it('an expired token is refused', async () => {
    const { header, payload } = decode(user.accessToken);
    const now = Math.floor(Date.now() / 1000);
    expect(await status(sign(header, { ...payload, iat: now - 7200, exp: now - 3600 }, localKey.pem))).toBe(401);
  });

  it('a tampered token (claims changed, signature kept) is refused', async () => {
    const [header, , signature] = user.accessToken.split('.');
    const { payload } = decode(user.accessToken);
    expect(await status(`${header}.${b64url({ ...payload, sub: 'someone-else' })}.${signature}`)).toBe(401);
  });

  it('alg:none is refused', async () => {
    const { header, payload } = decode(user.accessToken);
    expect(await status(`${b64url({ ...header, alg: 'none' })}.${b64url(payload)}.`)).toBe(401);
  });

  it('a token signed with another key under the same key id is refused', async () => {
    const { header, payload } = decode(user.accessToken);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(await status(sign(header, payload, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()))).toBe(401);
  });

  it("another app client's access token is refused", async () => {
    const { resources } = testConfig();
    const other = await cognito.send(
      new CreateUserPoolClientCommand({ UserPoolId: resources.userPoolId, ClientName: 'not-the-api', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'] }),
    );
    const token = await loginWithClient(cognito, other.UserPoolClient!.ClientId!, user.email.toLowerCase());
    expect(decode(token).payload.client_id).toBe(other.UserPoolClient!.ClientId);
    expect(await status(token)).toBe(401);
  });

  it("another pool's access token is refused", async () => {
    const pool = await cognito.send(new CreateUserPoolCommand({ PoolName: 'another-pool', UsernameAttributes: ['email'] }));
    const poolId = pool.UserPool!.Id!;
    const poolClient = await cognito.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'other', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'] }));
    const email = uniqueEmail('otherpool').toLowerCase();
    await cognito.send(new SignUpCommand({ ClientId: poolClient.UserPoolClient!.ClientId!, Username: email, Password: GOOD_PASSWORD }));
    await cognito.send(new AdminConfirmSignUpCommand({ UserPoolId: poolId, Username: email }));
    const token = await loginWithClient(cognito, poolClient.UserPoolClient!.ClientId!, email);
    expect(decode(token).payload.iss).toContain(poolId);
    expect(await status(token)).toBe(401);
  });

  it('missing, malformed and non-bearer credentials are refused with problem+json', async () => {
    for (const authorization of [undefined, 'Bearer', 'Bearer not-a-jwt', `Basic ${user.accessToken}`]) {
      const response = await fetch(`${server.url}/v1/me`, { headers: authorization ? { authorization } : {} });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
  });
});

describe('brute force on the auth routes', () => {
  it('the 11th login attempt for one email within 15 minutes is a 429 with Retry-After', async () => {
    const server = await startAccountsApp();
    try {
      const api = client(server.url);
      const user = await registeredUser(api, 'brute');
      const statuses: number[] = [];
      // registeredUser already used one attempt of the 10.
      for (let attempt = 0; attempt < 10; attempt++) {
        statuses.push((await api.post('/v1/auth/login', { email: user.email, password: `Wrong-Guess-${attempt}` })).status);
      }
      expect(statuses.slice(0, 9)).toEqual(Array(9).fill(401));
      expect(statuses[9]).toBe(429);
      const blocked = await api.post('/v1/auth/login', { email: user.email.toUpperCase(), password: GOOD_PASSWORD });
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(blocked.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(blocked.body.type).toContain('/problems/too-many-requests');
    } finally {
      await server.close();
    }
  });

  it('one address hammering the auth routes gets a 429 once past the per-IP limit', async () => {
    const server = await startAccountsApp({ RATE_LIMIT_AUTH_IP_PER_MINUTE: '5' });
    try {
      const api = client(server.url);
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await api.post('/v1/auth/forgot-password', { email: uniqueEmail('ip') })).status);
      expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
    } finally {
      await server.close();
    }
  });
});
