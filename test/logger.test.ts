import { Writable } from 'node:stream';
import Fastify from 'fastify';
import pino from 'pino';
import type { AppConfig } from '../src/config.js';
import { loggerOptions, redactPaths, redactUrl } from '../src/logger.js';
import { scanLine, SecretIndex } from './audit/log-scan.js';

describe('redactUrl', () => {
  it('hides presigned-URL signatures and credential-bearing parameters, keeps the rest', () => {
    const url =
      '/photos/a.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20261125&X-Amz-Signature=abc123&size=10&token=t0k&code=123456';
    expect(redactUrl(url)).toBe(
      '/photos/a.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=[REDACTED]&X-Amz-Signature=[REDACTED]&size=10&token=[REDACTED]&code=[REDACTED]',
    );
    expect(redactUrl('/health/live')).toBe('/health/live');
  });
});

describe('log redaction paths', () => {
  function capture(object: Record<string, unknown>): Record<string, unknown> {
    let line = '';
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        line += chunk.toString();
        done();
      },
    });
    pino({ redact: { paths: redactPaths, censor: '[REDACTED]' } }, stream).info(object, 'probe');
    return JSON.parse(line) as Record<string, unknown>;
  }

  it('censors secrets at the top level, one level down, and in request headers', () => {
    const logged = capture({
      password: 'hunter2',
      user: { refreshToken: 'r3fresh', name: 'Ada' },
      req: { headers: { authorization: 'Bearer eyJ', cookie: 'sid=1', accept: 'application/json' } },
      body: { code: '123456', email: 'a@b.c' },
    });
    expect(logged.password).toBe('[REDACTED]');
    expect(logged.user).toEqual({ refreshToken: '[REDACTED]', name: 'Ada' });
    expect(logged.req).toEqual({ headers: { authorization: '[REDACTED]', cookie: '[REDACTED]', accept: 'application/json' } });
    expect(logged.body).toEqual({ code: '[REDACTED]', email: 'a@b.c' });
  });

  it('keeps error codes readable', () => {
    expect(capture({ err: { code: 'ECONNREFUSED', message: 'connect failed' } }).err).toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('production logger options on a real request', () => {
  it('log the request and its answer without the bearer token, signatures, codes or the address the URL carried', async () => {
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZGEiLCJ0b2tlbl91c2UiOiJhY2Nlc3MifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    const options = loggerOptions({ logLevel: 'debug', logPretty: false } as AppConfig) as Record<string, unknown>;
    const app = Fastify({ logger: { ...options, stream } });
    app.get('/p', async (request) => {
      request.log.info({ headers: request.headers, password: 'Photos-Forever-2026' }, 'probe');
      return {};
    });
    const url = '/p?X-Amz-Credential=AKIA%2F2026&X-Amz-Signature=0f1e2d3c4b5a69788796a5b4c3d2e1f0&code=482913&to=ada%40example.com';
    await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}`, cookie: 'sid=1' } });
    await app.close();

    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(expect.arrayContaining(['incoming request', 'probe', 'request completed']));
    const known = new SecretIndex([
      { kind: 'access token', value: token },
      { kind: 'password', value: 'Photos-Forever-2026' },
      { kind: 'code', value: '482913' },
    ]);
    expect(lines.flatMap((line) => scanLine(line, known))).toEqual([]);
    expect(lines.join('\n')).not.toContain('ada%40example.com');
  });
});
