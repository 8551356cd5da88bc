import { spawn } from 'node:child_process';
import path from 'node:path';
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

describe('log destination (stdout in batches)', () => {
  const ROOT = path.join(__dirname, '..');
  /** A process logging through loggerOptions' own destination, as the server does. */
  function logging(body: string) {
    const script = `
      const pino = require('pino');
      const { loggerOptions } = require('./src/logger.ts');
      const options = loggerOptions({ logLevel: 'info', logPretty: false });
      const log = pino(options, options.stream);
      ${body}`;
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, output: () => out, exited };
  }

  it('a line logged by a quiet process reaches stdout without waiting for more lines or for exit', async () => {
    const run = logging(`log.info({ probe: 1 }, 'quiet line'); process.stdin.resume();`);
    try {
      const deadline = Date.now() + 10_000;
      while (!run.output().includes('quiet line') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(run.output()).toContain('quiet line');
      expect(run.child.exitCode).toBeNull();
    } finally {
      run.child.stdin.end();
      run.child.kill();
    }
  });

  it('every line logged before an uncaught error is on stdout after the crash', async () => {
    const run = logging(`for (let i = 0; i < 30; i++) log.info({ i }, 'before the crash'); setImmediate(() => { throw new Error('boom'); });`);
    expect(await run.exited).not.toBe(0);
    const lines = run.output().trim().split('\n').map((line) => JSON.parse(line) as { i: number; msg: string });
    expect(lines.map((line) => line.i)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });
});
