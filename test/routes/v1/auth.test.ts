import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../src/data/keys.js';
import { failingCognito } from '../../helpers/failing-aws.js';
import { client, GOOD_PASSWORD, latestCode, mailTo, registeredUser, startAccountsApp, uniqueEmail, waitUntil, withinOneSecond, type ApiClient } from '../../helpers/accounts.js';
import { testConfig, buildTestApp } from '../../helpers/stack.js';
import { queueDepth, waitFor } from '../../jobs/helpers.js';

type Session = { accessToken: string; refreshToken: string };

/** When Cognito issued the token (its `iat`, seconds). */
const issuedAt = (token: string): number => (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { iat: number }).iat;

/** Every account flow end to end over HTTP, reading codes from /_dev/mail as a person reads their inbox. */
describe('accounts: /v1/auth and /v1/me', () => {
  let server: Awaited<ReturnType<typeof startAccountsApp>>;
  let api: ApiClient;
  beforeAll(async () => {
    server = await startAccountsApp();
    api = client(server.url);
  });
  afterAll(() => server.close());

  const nextSecond = () => new Promise((r) => setTimeout(r, 1100 - (Date.now() % 1000)));

  it('sign up, confirm, log in, me: the welcome email goes out once', async () => {
    const email = uniqueEmail('flow');

    const signup = await api.post('/v1/auth/signup', { email, password: GOOD_PASSWORD, name: 'Grace Hopper' });
    expect(signup.status).toBe(201);
    expect(signup.body).toEqual({ userId: expect.any(String), confirmationRequired: true });

    const duplicate = await api.post('/v1/auth/signup', { email: email.toUpperCase(), password: GOOD_PASSWORD });
    expect(duplicate.status).toBe(409);
    expect(duplicate.headers.get('content-type')).toMatch(/^application\/problem\+json/);

    const early = await api.post('/v1/auth/login', { email, password: GOOD_PASSWORD });
    expect(early.status).toBe(403);
    expect(early.body.detail).toMatch(/confirmation required/);

    const wrong = await api.post('/v1/auth/confirm', { email, code: '000000' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors).toEqual([{ path: 'body.code', message: 'is not valid' }]);

    const code = await latestCode(api, email, /verification code/i);
    expect((await api.post('/v1/auth/confirm', { email, code })).status).toBe(200);

    const login = await api.post<{ accessToken: string; idToken: string; refreshToken: string; expiresIn: number; tokenType: string }>(
      '/v1/auth/login',
      { email, password: GOOD_PASSWORD },
    );
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ tokenType: 'Bearer', expiresIn: expect.any(Number), refreshToken: expect.any(String) });

    const me = await api.get('/v1/me', login.body.accessToken);
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      userId: signup.body.userId,
      email: email.toLowerCase(),
      name: 'Grace Hopper',
      createdAt: expect.any(String),
      usage: { photos: 0, bytes: 0, quotaBytes: expect.any(Number) },
    });

    const welcome = await waitUntil(async () => {
      const mail = (await mailTo(api, email)).filter((m) => /welcome/i.test(m.subject));
      return mail.length > 0 ? mail : undefined;
    });
    expect(welcome[0]).toMatchObject({ html: expect.stringContaining('Grace Hopper'), text: expect.stringContaining('Grace Hopper') });

    // A second confirm is refused (AWS: 409 "cannot be confirmed"; the local Cognito has cleared
    // the code and answers it as a wrong code, 400) and sends nothing.
    expect([400, 409]).toContain((await api.post('/v1/auth/confirm', { email, code })).status);
    // Anything that confirm enqueued is processed (sent) before its message leaves the queue.
    await waitFor(async () => (await queueDepth(server.app.aws.sqs, server.app.resources.queueUrl)) === 0, 10_000, 'the job queue to drain');
    expect((await mailTo(api, email)).filter((m) => /welcome/i.test(m.subject))).toHaveLength(1);
  });

  it('weak passwords are a 400 naming each broken rule', async () => {
    const response = await api.post('/v1/auth/signup', { email: uniqueEmail('weak'), password: 'short' });
    expect(response.status).toBe(400);
    const errors = response.body.errors as { path: string; message: string }[];
    expect(errors.every((e) => e.path === 'body.password')).toBe(true);
    expect(errors.map((e) => e.message).sort()).toEqual(
      ['must be at least 10 characters long', 'must contain a number', 'must contain an uppercase letter'].sort(),
    );
  });

  it('unknown email and wrong password get the same 401', async () => {
    const user = await registeredUser(api, 'enum');
    const wrongPassword = await api.post('/v1/auth/login', { email: user.email, password: 'Not-The-Password-1' });
    const unknown = await api.post('/v1/auth/login', { email: uniqueEmail('nobody'), password: 'Not-The-Password-1' });
    expect(wrongPassword.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrongPassword.body);
  });

  it('refresh gives a working access token; logout ends every token issued before it', async () => {
    const user = await registeredUser(api, 'logout');
    await nextSecond();
    const refreshed = await api.post<{ accessToken: string; idToken: string }>('/v1/auth/refresh', { refreshToken: user.refreshToken });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).not.toHaveProperty('refreshToken');
    expect((await api.get('/v1/me', refreshed.body.accessToken)).status).toBe(200);

    expect((await api.post('/v1/auth/logout', undefined, refreshed.body.accessToken)).status).toBe(204);
    for (const token of [user.accessToken, refreshed.body.accessToken]) {
      const refused = await api.get('/v1/me', token);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }

    // Cognito revoked the refresh token too (AdminUserGlobalSignOut).
    expect((await api.post('/v1/auth/refresh', { refreshToken: user.refreshToken })).status).toBe(401);

    // A new session works again.
    await nextSecond();
    const again = await api.post<{ accessToken: string }>('/v1/auth/login', { email: user.email, password: GOOD_PASSWORD });
    expect((await api.get('/v1/me', again.body.accessToken)).status).toBe(200);
  });

  it('logout holds on every instance of the service (on the others within about two seconds: test/auth/revocation-instances.test.ts)', async () => {
    const other = await startAccountsApp();
    try {
      const otherApi = client(other.url);
      const user = await registeredUser(api, 'instances');
      expect((await otherApi.get('/v1/me', user.accessToken)).status).toBe(200);
      expect((await api.post('/v1/auth/logout', undefined, user.accessToken)).status).toBe(204);
      await waitUntil(async () => ((await otherApi.get('/v1/me', user.accessToken)).status === 401 ? true : undefined), 2500);
    } finally {
      await other.close();
    }
  });

  it('forgot and reset password: only the new password works afterwards', async () => {
    const user = await registeredUser(api, 'reset');
    expect((await api.post('/v1/auth/forgot-password', { email: user.email })).status).toBe(202);
    expect((await api.post('/v1/auth/forgot-password', { email: uniqueEmail('ghost') })).status).toBe(202);

    const code = await latestCode(api, user.email, /reset/i);
    const badCode = await api.post('/v1/auth/reset-password', { email: user.email, code: code === '111111' ? '222222' : '111111', newPassword: 'Brand-New-Pass-42' });
    expect(badCode.status).toBe(400);
    const weak = await api.post('/v1/auth/reset-password', { email: user.email, code, newPassword: 'weakpass' });
    expect(weak.status).toBe(400);
    expect((await api.post('/v1/auth/reset-password', { email: user.email, code, newPassword: 'Brand-New-Pass-42' })).status).toBe(200);

    expect((await api.post('/v1/auth/login', { email: user.email, password: GOOD_PASSWORD })).status).toBe(401);
    await nextSecond();
    expect((await api.post('/v1/auth/login', { email: user.email, password: 'Brand-New-Pass-42' })).status).toBe(200);
    // Sessions from before the reset are over.
    expect((await api.get('/v1/me', user.accessToken)).status).toBe(401);
  });

  describe('in the very second of a logout or reset (JWT times are whole seconds)', () => {
    const login = async (email: string, password = GOOD_PASSWORD) => {
      const response = await api.post<Session>('/v1/auth/login', { email, password });
      expect(response.status).toBe(200);
      return response.body;
    };
    const revokedSecond = async (userId: string) => {
      const { Item } = await server.app.aws.dynamo.send(
        new GetCommand({ TableName: server.app.resources.table, Key: keys.tokenRevocation(userId), ConsistentRead: true }),
      );
      return Number(Item?.revokedBefore ?? -1);
    };

    it('logout: a login and a refresh in that second get working tokens; tokens from before stay refused', async () => {
      const user = await registeredUser(api, 'second');
      const { before, after, refreshed } = await withinOneSecond(async () => {
        const before = await login(user.email);
        expect((await api.post('/v1/auth/logout', undefined, before.accessToken)).status).toBe(204);
        const after = await login(user.email);
        const refreshed = await api.post<{ accessToken: string }>('/v1/auth/refresh', { refreshToken: after.refreshToken });
        expect(refreshed.status).toBe(200);
        const seconds = [issuedAt(before.accessToken), await revokedSecond(user.userId), issuedAt(after.accessToken), issuedAt(refreshed.body.accessToken)];
        return { before, after, refreshed: refreshed.body, seconds };
      });

      expect((await api.get('/v1/me', after.accessToken)).status).toBe(200);
      expect((await api.get('/v1/me', refreshed.accessToken)).status).toBe(200);
      for (const token of [before.accessToken, user.accessToken]) expect((await api.get('/v1/me', token)).status).toBe(401);
      for (const refreshToken of [before.refreshToken, user.refreshToken]) {
        expect((await api.post('/v1/auth/refresh', { refreshToken })).status).toBe(401);
      }
    });

    it('reset-password: a login with the new password in that second works; tokens from before stay refused', async () => {
      const user = await registeredUser(api, 'second-reset');
      let password = GOOD_PASSWORD;
      let attempt = 0;
      const { before, after } = await withinOneSecond(async () => {
        // A code is spent by each reset: every run asks for its own, before the second starts counting.
        expect((await api.post('/v1/auth/forgot-password', { email: user.email })).status).toBe(202);
        const code = await latestCode(api, user.email, /reset/i);
        const newPassword = `Second-Reset-Pass-${++attempt}`;
        await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000)));
        const before = await login(user.email, password);
        expect((await api.post('/v1/auth/reset-password', { email: user.email, code, newPassword })).status).toBe(200);
        password = newPassword;
        const after = await login(user.email, password);
        return { before, after, seconds: [issuedAt(before.accessToken), await revokedSecond(user.userId), issuedAt(after.accessToken)] };
      });

      expect((await api.get('/v1/me', after.accessToken)).status).toBe(200);
      for (const token of [before.accessToken, user.accessToken]) expect((await api.get('/v1/me', token)).status).toBe(401);
      expect((await api.post('/v1/auth/refresh', { refreshToken: before.refreshToken })).status).toBe(401);
      expect((await api.post('/v1/auth/refresh', { refreshToken: after.refreshToken })).status).toBe(200);
    });
  });

  describe("when Cognito's global sign-out fails", () => {
    let cognito: Awaited<ReturnType<typeof failingCognito>>;
    let broken: Awaited<ReturnType<typeof buildTestApp>>;
    let brokenApi: ApiClient;
    beforeAll(async () => {
      const base = testConfig({ AWS_MAX_ATTEMPTS: '1' });
      cognito = await failingCognito(base.aws.endpoints.cognito!);
      broken = await buildTestApp({ ...base, aws: { ...base.aws, endpoints: { ...base.aws.endpoints, cognito: cognito.endpoint } } });
      brokenApi = client(await broken.listen({ port: 0, host: '127.0.0.1' }));
    });
    afterAll(async () => {
      await broken.close();
      await cognito.close();
    });
    afterEach(() => cognito.failing.clear());

    const problem503 = (response: { status: number; headers: Headers }) => {
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    };

    it('logout answers 503 (never 204 with the refresh token alive), and repeating it once Cognito is back ends the sessions', async () => {
      const user = await registeredUser(api, 'signout-down');
      cognito.failing.add('AdminUserGlobalSignOut');
      problem503(await brokenApi.post('/v1/auth/logout', undefined, user.accessToken));
      expect(cognito.calls.filter((call) => call.operation === 'AdminUserGlobalSignOut')).toHaveLength(1);
      // Nothing changed, so the caller can repeat the call with the same token.
      expect((await brokenApi.get('/v1/me', user.accessToken)).status).toBe(200);

      cognito.failing.clear();
      expect((await brokenApi.post('/v1/auth/logout', undefined, user.accessToken)).status).toBe(204);
      expect((await brokenApi.get('/v1/me', user.accessToken)).status).toBe(401);
      expect((await api.post('/v1/auth/refresh', { refreshToken: user.refreshToken })).status).toBe(401);
    });

    it('reset-password answers 503; older access tokens end at once, and repeating the same request finishes the sign-out', async () => {
      const user = await registeredUser(api, 'reset-down');
      expect((await api.post('/v1/auth/forgot-password', { email: user.email })).status).toBe(202);
      const code = await latestCode(api, user.email, /reset/i);
      const request = { email: user.email, code, newPassword: 'After-Outage-Pass-7' };

      cognito.failing.add('AdminUserGlobalSignOut');
      problem503(await brokenApi.post('/v1/auth/reset-password', request));
      expect((await brokenApi.get('/v1/me', user.accessToken)).status).toBe(401);
      // The code is spent, yet the same request is not a dead end.
      problem503(await brokenApi.post('/v1/auth/reset-password', request));

      cognito.failing.clear();
      expect((await brokenApi.post('/v1/auth/reset-password', request)).status).toBe(200);
      expect((await api.post('/v1/auth/refresh', { refreshToken: user.refreshToken })).status).toBe(401);
      // Once finished, the spent code is just a wrong code again.
      expect((await brokenApi.post('/v1/auth/reset-password', request)).status).toBe(400);
      expect((await api.post('/v1/auth/login', { email: user.email, password: request.newPassword })).status).toBe(200);
    });
  });

  it('resend-code answers 202 for any address', async () => {
    const email = uniqueEmail('resend');
    await api.post('/v1/auth/signup', { email, password: GOOD_PASSWORD });
    expect((await api.post('/v1/auth/resend-code', { email })).status).toBe(202);
    expect((await mailTo(api, email)).filter((m) => /verification/i.test(m.subject)).length).toBe(2);
    expect((await api.post('/v1/auth/resend-code', { email: uniqueEmail('ghost') })).status).toBe(202);
  });

  it('DELETE /v1/me removes the account: its tokens and password stop working', async () => {
    const user = await registeredUser(api, 'delete');
    const deleted = await api.delete('/v1/me', user.accessToken);
    expect(deleted.status).toBe(202);
    expect((await api.get('/v1/me', user.accessToken)).status).toBe(401);
    expect((await api.post('/v1/auth/login', { email: user.email, password: GOOD_PASSWORD })).status).toBe(401);
    // The email can be used for a new account.
    expect((await api.post('/v1/auth/signup', { email: user.email, password: GOOD_PASSWORD })).status).toBe(201);
  });

  it('authenticated routes refuse requests without a token', async () => {
    expect((await api.get('/v1/me')).status).toBe(401);
    expect((await api.post('/v1/auth/logout')).status).toBe(401);
  });
});
