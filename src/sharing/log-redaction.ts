import { redactUrl } from '../logger.js';

/** The token segment of a share link path: /s/<token>, /v1/shared/<token>[/photos]. */
const TOKEN_IN_PATH = /^(\/(?:v1\/shared|s)\/)[^/?#]+/;

/** A URL of a share link route with its token (and any credential-bearing query value) replaced by [REDACTED]. */
export function redactShareUrl(url: string): string {
  return redactUrl(url.replace(TOKEN_IN_PATH, '$1[REDACTED]'));
}

/**
 * Route-level log serializers (Fastify's `logSerializers`) of every share link route: the token is a
 * credential in the URL's path, where the app's own request serializer (src/logger.ts) does not look.
 * Same fields as that serializer otherwise.
 */
export const shareRouteLogSerializers = {
  req(request: { method: string; url: string; hostname?: string; ip?: string }) {
    return { method: request.method, url: redactShareUrl(request.url), host: request.hostname, remoteAddress: request.ip };
  },
};
