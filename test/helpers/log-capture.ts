import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import type { AppConfig } from '../../src/config.js';
import { loggerOptions } from '../../src/logger.js';
import type { KnownSecret, SecretKind } from '../audit/log-scan.js';

/**
 * Server logs of the test suite, kept for the log audit (test/audit/, run after the suite by `npm test`):
 * every app the helpers build logs here at debug level, with production's redaction and serializers,
 * and the helpers record beside them every password, token, code and email body the tests used.
 */
export const TEST_LOG_DIR = path.resolve(__dirname, '../../artifacts/test-logs');
export const LOG_SUFFIX = '.log.ndjson';
export const SECRETS_SUFFIX = '.secrets.ndjson';

/** One file per test file and process, named after the test file so that a finding says where it came from. */
function fileStem(): string {
  const testPath = (globalThis as { expect?: { getState(): { testPath?: string } } }).expect?.getState().testPath;
  const relative = testPath ? path.relative(path.resolve(__dirname, '../..'), testPath) : 'outside-a-test';
  return `${relative.replace(/[\\/]/g, '__')}.${process.pid}`;
}

let destination: { stem: string; stream: pino.DestinationStream } | undefined;

function logStream(): pino.DestinationStream {
  const stem = fileStem();
  if (destination?.stem !== stem) {
    // Synchronous writes: a line is on disk before the test moves on, even if the worker then exits.
    destination = { stem, stream: pino.destination({ dest: path.join(TEST_LOG_DIR, `${stem}${LOG_SUFFIX}`), sync: true, mkdir: true, append: true }) };
  }
  return destination.stream;
}

/** Logger options for a test app: production's (redaction, serializers), at debug level, into the capture. */
export function captureLogger(config: AppConfig): Record<string, unknown> {
  const { transport: _pretty, ...production } = loggerOptions(config) as Record<string, unknown>;
  return { ...production, level: 'debug', stream: logStream() };
}

/** Copies what a server process a test spawned writes to stdout (its log) into the capture, next to the test's own output handling. */
export function captureChildLogs(child: ChildProcess): void {
  if (!child.stdout || child.pid === undefined) return;
  fs.mkdirSync(TEST_LOG_DIR, { recursive: true });
  const file = fs.createWriteStream(path.join(TEST_LOG_DIR, `${fileStem()}.child-${child.pid}${LOG_SUFFIX}`), { flags: 'a' });
  child.stdout.on('data', (chunk: Buffer) => file.write(chunk));
  child.once('close', () => file.end());
}

const registered = new Set<string>();

/** Records a secret a test used, for the audit to look for in every captured line. */
export function registerSecret(kind: SecretKind, value: string | null | undefined): void {
  if (!value || registered.has(value)) return;
  registered.add(value);
  const secret: KnownSecret = { kind, value };
  fs.mkdirSync(TEST_LOG_DIR, { recursive: true });
  fs.appendFileSync(path.join(TEST_LOG_DIR, `${fileStem()}${SECRETS_SUFFIX}`), `${JSON.stringify(secret)}\n`);
}

const REQUEST_SECRETS: Record<string, SecretKind> = {
  password: 'password',
  newPassword: 'password',
  code: 'code',
  refreshToken: 'refresh token',
};
const RESPONSE_SECRETS: Record<string, SecretKind> = { accessToken: 'access token', idToken: 'id token', refreshToken: 'refresh token' };

function registerFields(value: unknown, fields: Record<string, SecretKind>): void {
  if (typeof value !== 'object' || value === null) return;
  for (const [key, kind] of Object.entries(fields)) {
    const field = (value as Record<string, unknown>)[key];
    if (typeof field === 'string') registerSecret(kind, field);
  }
}

/** Records the secrets of one API call: its bearer token, secret fields of its body and of the answer. */
export function registerCallSecrets(token: string | undefined, body: unknown, answer: unknown): void {
  registerSecret('authorization', token);
  registerFields(body, REQUEST_SECRETS);
  registerFields(answer, RESPONSE_SECRETS);
}
