import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { auditLogs } from './log-files.js';
import { scanLine, SecretIndex, type KnownSecret } from './log-scan.js';

// Shaped like the real thing: a cognito-local access token (header.payload.signature) and an S3 presigned URL.
const JWT = 'eyJhbGciOiJSUzI1NiIsImtpZCI6IkNvZ25pdG9Mb2NhbCJ9.eyJzdWIiOiJhYmMiLCJ0b2tlbl91c2UiOiJhY2Nlc3MifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
const PRESIGNED =
  '/bucket/u/1/p.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20261201%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261201T000000Z&X-Amz-Expires=900&X-Amz-Signature=0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0';
const WELCOME = 'Hi Ada,\n\nYour library is ready: photos go straight from the app into your own storage.\n\nAuroraVault';

const secrets: KnownSecret[] = [
  { kind: 'password', value: 'Photos-Forever-2026' },
  { kind: 'access token', value: JWT },
  { kind: 'code', value: '482913' },
  { kind: 'email body', value: WELCOME },
  { kind: 'authorization', value: 'not-a-jwt-at-all' },
];
const index = new SecretIndex(secrets);
const rules = (line: string) => scanLine(line, index).map((f) => f.rule);

describe('scanLine', () => {
  it('passes the lines the server writes when it redacts', () => {
    const clean = [
      '{"level":30,"time":1764620000482,"pid":4829,"reqId":"482913ab-1111-2222-3333-444455556666","req":{"method":"GET","url":"/v1/photos?cursor=abc","host":"127.0.0.1:4829","remoteAddress":"127.0.0.1"},"msg":"incoming request"}',
      '{"level":30,"time":1764620000483,"reqId":"r1","res":{"statusCode":200},"responseTime":4.829134,"msg":"request completed"}',
      `{"level":30,"req":{"url":"/x?X-Amz-Credential=[REDACTED]&X-Amz-Signature=[REDACTED]&code=[REDACTED]&token=[REDACTED]"}}`,
      '{"level":30,"password":"[REDACTED]","body":{"code":"[REDACTED]"},"user":{"refreshToken":"[REDACTED]"},"req":{"headers":{"authorization":"[REDACTED]"}}}',
      '{"level":50,"err":{"code":"ECONNREFUSED","message":"connect failed"},"status":503,"msg":"Bearer token missing"}',
      '{"level":30,"sesMessageId":"0100018c-4829-1300-aaaa-bbbbccccdddd","ran":true,"msg":"welcome email sent"}',
    ];
    for (const line of clean) expect(rules(line)).toEqual([]);
  });

  it.each([
    ['a registered password in a message', '{"msg":"login failed for Photos-Forever-2026"}', ['known password']],
    ['a password field', '{"body":{"email":"a@b.c","password":"hunter2-unregistered"}}', ['password field']],
    ['a registered access token', `{"token":"[REDACTED]","note":"${JWT}"}`, ['known access token', 'JWT-shaped string']],
    ['any JWT, registered or not', '{"msg":"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."}', ['JWT-shaped string']],
    ['an Authorization header value', '{"req":{"headers":{"authorization":"Basic dXNlcjpwYXNz"}}}', ['Authorization header value']],
    ['a bearer credential in text', '{"msg":"got Bearer abcdefghijklmnopqrstuvwxyz012345"}', ['Bearer credential']],
    ['a registered malformed bearer value', '{"msg":"rejected not-a-jwt-at-all"}', ['known authorization']],
    ['a presigned URL', `{"req":{"url":"${PRESIGNED}"}}`, ['presigned S3 signature', 'presigned credential']],
    ['a CloudFront signed URL', '{"url":"/p.jpg?Expires=1&Signature=aB3~kk-Z_0aB3kkZ0aB3kkZ0&Key-Pair-Id=K1"}', ['CloudFront signature']],
    ['a SigV4 Authorization value', '{"h":"AWS4-HMAC-SHA256 Credential=AKIA/2026/us-east-1/s3/aws4_request, SignedHeaders=host"}', ['SigV4 Authorization value']],
    ['a code field', '{"body":{"email":"a@b.c","code":"111222"}}', ['code field']],
    ['a registered code in text', '{"msg":"confirmed with 482913"}', ['known code']],
    ['a code in a URL', '{"req":{"url":"/reset?code=777888"}}', ['code in a URL']],
    ['a refresh token field', '{"tokens":{"refreshToken":"opaque-refresh"}}', ['token field']],
    ['an email body', '{"payload":"Your library is ready: photos go straight from the app into your own storage."}', ['known email body']],
  ])('finds %s', (_what, line, expected) => {
    expect(rules(line).sort()).toEqual([...expected].sort());
  });

  it('masks the secret in what it reports', () => {
    const [finding] = scanLine('{"msg":"confirmed with 482913 by Photos-Forever-2026"}', index);
    expect(finding!.excerpt).not.toContain('482913');
    expect(finding!.excerpt).not.toContain('Photos-Forever-2026');
  });
});

describe('auditLogs', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-audit-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, lines: object[]) => fs.writeFileSync(path.join(dir, name), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));

  it('counts lines and authenticated requests, and reports a planted leak by file and line', () => {
    write('a.test.ts.1.secrets.ndjson', secrets);
    write('a.test.ts.1.log.ndjson', [
      { reqId: 'r1', req: { method: 'GET', url: '/v1/photos?limit=5' }, msg: 'incoming request' },
      { reqId: 'r1', res: { statusCode: 200 }, msg: 'request completed' },
      { reqId: 'r2', req: { method: 'GET', url: '/v1/me' }, msg: 'incoming request' },
      { reqId: 'r2', res: { statusCode: 401 }, msg: 'request completed' },
      { reqId: 'r3', req: { method: 'POST', url: '/v1/auth/login' }, msg: 'incoming request' },
      { reqId: 'r3', res: { statusCode: 200 }, msg: 'request completed' },
    ]);
    write('b.test.ts.2.log.ndjson', [{ msg: 'ok' }, { msg: 'signed in', code: '482913' }]);

    const audit = auditLogs(dir);
    expect(audit).toMatchObject({ files: 2, lines: 8, authenticatedRequests: 1 });
    expect(audit.secretKinds).toEqual(new Set(['password', 'access token', 'code', 'email body', 'authorization']));
    expect(audit.findings.map(({ file, line, rule }) => ({ file, line, rule }))).toEqual([
      { file: 'b.test.ts.2.log.ndjson', line: 2, rule: 'known code' },
      { file: 'b.test.ts.2.log.ndjson', line: 2, rule: 'code field' },
    ]);
  });

  it('finds nothing to pass on in a folder without logs', () => {
    expect(auditLogs(path.join(dir, 'missing'))).toMatchObject({ files: 0, lines: 0, authenticatedRequests: 0 });
  });
});
