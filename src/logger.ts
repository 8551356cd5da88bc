import type { FastifyServerOptions } from 'fastify';
import type { AppConfig } from './config.js';

/** Query parameters that carry credentials (presigned URLs, OAuth-style callbacks). */
const SECRET_QUERY_PARAMS = /([?&](?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|token|code|access_token|refresh_token|id_token|email|to)=)[^&#]*/gi;

/** A share link's token is a credential in the path: /s/<token>, /v1/shared/<token>[/photos] (docs/sharing.md). */
const SHARE_TOKEN_IN_PATH = /^(\/(?:v1\/shared|s)\/)[^/?#]+/;

/**
 * Replaces share link tokens in the path and the values of credential-bearing query parameters with
 * [REDACTED]. Every request line goes through it, so a token is redacted on any answer, the router's own
 * (an over-long token, an unknown sub-path) included.
 */
export function redactUrl(url: string): string {
  return url.replace(SHARE_TOKEN_IN_PATH, '$1[REDACTED]').replace(SECRET_QUERY_PARAMS, '$1[REDACTED]');
}

const SECRET_FIELDS = [
  'password',
  'newPassword',
  'oldPassword',
  'token',
  'accessToken',
  'idToken',
  'refreshToken',
  'secretAccessKey',
  'sessionToken',
];

/** pino paths: headers always, secret fields in any object we log at top level or one level down. */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-amz-security-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`]),
  // Confirmation and reset codes; not `*.code`, which would hide error codes such as ECONNREFUSED.
  'body.code',
  'req.body.code',
  'payload.code',
];

export function loggerOptions(config: AppConfig): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    redact: { paths: redactPaths, censor: '[REDACTED]' },
    serializers: {
      req(request: { method: string; url: string; hostname?: string; ip?: string; id?: string }) {
        return { method: request.method, url: redactUrl(request.url), host: request.hostname, remoteAddress: request.ip };
      },
    },
    ...(config.logPretty ? { transport: { target: 'pino-pretty', options: { singleLine: true, translateTime: 'HH:MM:ss.l' } } } : {}),
  };
}
