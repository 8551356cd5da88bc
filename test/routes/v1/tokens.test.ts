import { createHmac, createPublicKey, createSign, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import {
  AdminConfirmSignUpCommand,
  type CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { createCognitoClient } from '../../../src/aws/cognito.js';
import { client, GOOD_PASSWORD, registeredUser, startAccountsApp, uniqueEmail } from '../../helpers/accounts.js';
import { testConfig } from '../../helpers/stack.js';

// The local Cognito signs with a key shipped in its package: tests can mint tokens it would mint.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const localKey = require('cognito-local/lib/keys/cognitoLocal.private.json') as { pem: string };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const localPublicJwk = (require('cognito-local/lib/keys/cognitoLocal.public.json') as { jwk: JsonWebKey }).jwk;

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

interface OpenApi {
  paths: Record<string, Record<string, { operationId: string; security?: Record<string, string[]>[] }>>;
}

/**
 * Every operation of the served OpenAPI document that requires the bearer token (openapi.test.ts holds
 * that every non-public operation does), so a new route joins the matrix by being documented.
 */
async function authenticatedRoutes(baseUrl: string): Promise<{ method: string; path: string; operationId: string }[]> {
  const document = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as OpenApi;
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations)
      .filter(([, operation]) => operation.security?.some((scheme) => 'bearerAuth' in scheme))
      // A malformed id: the token is checked before anything in the request is.
      .map(([method, operation]) => ({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, 'not a photo id!'), operationId: operation.operationId })),
  );
}

/**
 * Only unexpired access tokens of our pool and client, correctly signed and not revoked, get in: every
 * other token, on every authenticated route, is the same 401 problem (which check failed is not said).
 */
describe('the token matrix: every authenticated route refuses every bad token with a 401 problem, before reading the request', () => {
  let server: Awaited<ReturnType<typeof startAccountsApp>>;
  let routes: Awaited<ReturnType<typeof authenticatedRoutes>>;
  const cases: Record<string, string | undefined> = {};
  const cognito = createCognitoClient(testConfig());

  beforeAll(async () => {
    server = await startAccountsApp();
    const api = client(server.url);
    routes = await authenticatedRoutes(server.url);
    const [user, leaving] = await Promise.all([registeredUser(api, 'matrix'), registeredUser(api, 'matrix-logout')]);
    const { header, payload } = decode(user.accessToken);
    const now = Math.floor(Date.now() / 1000);
    const [signedHeader, , signature] = user.accessToken.split('.');
    const publicPem = createPublicKey({ key: localPublicJwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
    const hs256Input = `${b64url({ ...header, alg: 'HS256' })}.${b64url(payload)}`;
    const { privateKey: strangerKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

    const { resources } = testConfig();
    const otherClient = await cognito.send(
      new CreateUserPoolClientCommand({ UserPoolId: resources.userPoolId, ClientName: 'matrix-other-client', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'] }),
    );
    const pool = await cognito.send(new CreateUserPoolCommand({ PoolName: 'matrix-other-pool', UsernameAttributes: ['email'] }));
    const poolClient = await cognito.send(
      new CreateUserPoolClientCommand({ UserPoolId: pool.UserPool!.Id!, ClientName: 'other', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'] }),
    );
    const outsider = uniqueEmail('matrix-pool').toLowerCase();
    await cognito.send(new SignUpCommand({ ClientId: poolClient.UserPoolClient!.ClientId!, Username: outsider, Password: GOOD_PASSWORD }));
    await cognito.send(new AdminConfirmSignUpCommand({ UserPoolId: pool.UserPool!.Id!, Username: outsider }));

    const bearer = (token: string) => `Bearer ${token}`;
    Object.assign(cases, {
      none: undefined,
      'empty bearer': 'Bearer ',
      'not a JWT': bearer('not-a-jwt'),
      'two segments': bearer(user.accessToken.split('.').slice(0, 2).join('.')),
      'basic scheme': `Basic ${user.accessToken}`,
      'lower-case scheme, token twice': `bearer ${user.accessToken} ${user.accessToken}`,
      expired: bearer(sign(header, { ...payload, iat: now - 7200, exp: now - 3600 }, localKey.pem)),
      'not yet valid (nbf in an hour)': bearer(sign(header, { ...payload, nbf: now + 3600 }, localKey.pem)),
      // Signed with the pool's key but issued in the future: it would outlive any logout (revocation compares iat).
      'issued in an hour (iat)': bearer(sign(header, { ...payload, iat: now + 3600, exp: now + 7200 }, localKey.pem)),
      'other issuer': bearer(await loginWithClient(cognito, poolClient.UserPoolClient!.ClientId!, outsider)),
      'other issuer claimed, our key': bearer(sign(header, { ...payload, iss: `${String(payload.iss)}x` }, localKey.pem)),
      'other client': bearer(await loginWithClient(cognito, otherClient.UserPoolClient!.ClientId!, user.email.toLowerCase())),
      'id token': bearer(user.idToken),
      'token_use claimed id': bearer(sign(header, { ...payload, token_use: 'id' }, localKey.pem)),
      'alg none': bearer(`${b64url({ ...header, alg: 'none' })}.${b64url(payload)}.`),
      'HS256 keyed with the public key': bearer(`${hs256Input}.${createHmac('sha256', publicPem).update(hs256Input).digest('base64url')}`),
      'another key, same kid': bearer(sign(header, payload, strangerKey.export({ type: 'pkcs8', format: 'pem' }).toString())),
      tampered: bearer(`${signedHeader}.${b64url({ ...payload, sub: leaving.userId })}.${signature}`),
      'signature stripped': bearer(`${signedHeader}.${user.accessToken.split('.')[1]}.`),
    });

    // The foreign tokens are what they claim to be: real tokens of that pool or that client.
    const claims = (name: string) => decode(cases[name]!.slice('Bearer '.length)).payload;
    expect(claims('other issuer').iss).toContain(pool.UserPool!.Id!);
    expect(claims('other client')).toMatchObject({ iss: payload.iss, client_id: otherClient.UserPoolClient!.ClientId });

    // Revoked by logout: the token worked, the user signed out, the same token comes back.
    expect((await api.get('/v1/me', leaving.accessToken)).status).toBe(200);
    expect((await api.post('/v1/auth/logout', undefined, leaving.accessToken)).status).toBe(204);
    cases['revoked by logout'] = bearer(leaving.accessToken);
    // The matrix must not be vacuous: the token every forgery starts from gets in, and so does a copy
    // re-signed with the pool key unchanged (the minting here is faithful).
    expect((await api.get('/v1/me', user.accessToken)).status).toBe(200);
    expect((await api.get('/v1/me', sign(header, payload, localKey.pem))).status).toBe(200);
  });
  afterAll(async () => {
    cognito.destroy();
    await server.close();
  });

  it('covers every operation that requires the token', () => {
    expect(routes.map((r) => r.operationId).sort()).toEqual(
      expect.arrayContaining(['completeUploads', 'deleteMe', 'emptyTrash', 'getMe', 'getPhoto', 'listPhotos', 'listTrash', 'logout', 'requestUploads', 'restorePhoto', 'trashPhoto']),
    );
  });

  it('answers each (route, token) with 401 problem+json, whatever the body', async () => {
    const answers: string[] = [];
    for (const route of routes) {
      for (const [name, authorization] of Object.entries(cases)) {
        const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
        // An empty (invalid) JSON body where the route takes one: authentication comes before validation.
        const withBody = route.method === 'POST' && !/restore|logout/.test(route.path);
        if (withBody) headers['content-type'] = 'application/json';
        const response = await fetch(`${server.url}${route.path}`, { method: route.method, headers, body: withBody ? '{}' : undefined });
        const body = (await response.json().catch(() => null)) as { status?: number; type?: string } | null;
        const type = response.headers.get('content-type') ?? '';
        answers.push(`${route.method} ${route.path} [${name}] -> ${response.status} ${type.split(';')[0]} ${body?.type ?? ''}`);
      }
    }
    const expected = answers.map((line) => line.replace(/ -> .*/, ' -> 401 application/problem+json https://auroravault.dev/problems/unauthorized'));
    expect(answers).toEqual(expected);
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
