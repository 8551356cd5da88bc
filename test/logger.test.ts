import { Writable } from 'node:stream';
import pino from 'pino';
import { redactPaths, redactUrl } from '../src/logger.js';

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
