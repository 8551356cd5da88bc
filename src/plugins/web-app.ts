import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppConfig } from '../config.js';

/**
 * Serves the app's web build (an `expo export` folder) at `/` on the API's own origin, so the app needs
 * no CORS and no API URL. A browser opening any app URL (/photos/abc) gets index.html and the app routes
 * itself; everything under the API's paths keeps its problem+json 404.
 */

/** Paths that belong to the API: never answered with the app, whatever the Accept header says. */
export const API_PATH_PREFIXES = ['/v1', '/health', '/_dev', '/docs', '/openapi.json'] as const;

const IMMUTABLE = 'public, max-age=31536000, immutable';
/** The page names the current bundles: it is revalidated on every load (a cheap 304 with its ETag). */
const REVALIDATE = 'no-cache';

/** Expo puts a content hash in every bundle path under _expo/static and in every asset's file name. */
function isHashed(file: string): boolean {
  return file.startsWith('_expo/static/') || /\.[0-9a-f]{32}(@\d+(\.\d+)?x)?\.[a-z0-9]+$/i.test(file);
}

export function isApiPath(pathname: string): boolean {
  return API_PATH_PREFIXES.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));
}

/** Every file of the build, relative with forward slashes; dotfiles (the build's stamp) are not served. */
function buildFiles(root: string): Set<string> {
  const files = fs.readdirSync(root, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
  return new Set(
    files
      .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
      .filter((file) => !file.split('/').some((segment) => segment.startsWith('.'))),
  );
}

/**
 * The page's policy: the API on this origin, and the bucket (presigned PUTs of uploads, photo GETs) on
 * its own origin (another port locally, S3 or CloudFront in production). No upgrade-insecure-requests:
 * locally everything is plain http on loopback.
 */
export function appContentSecurityPolicy(storageOrigins: readonly string[]): Record<string, string[]> {
  const storage = [...new Set(storageOrigins)];
  return {
    defaultSrc: ["'self'"],
    baseUri: ["'self'"],
    scriptSrc: ["'self'"],
    // The page's reset <style> and react-native-web's generated styles.
    styleSrc: ["'self'", "'unsafe-inline'"],
    // data: ThumbHash placeholders; blob: a picked photo's preview (and its copy into IndexedDB, read with fetch).
    imgSrc: ["'self'", 'data:', 'blob:', ...storage],
    connectSrc: ["'self'", 'blob:', ...storage],
    fontSrc: ["'self'", 'data:'],
    objectSrc: ["'none'"],
    frameAncestors: ["'none'"],
    formAction: ["'self'"],
  };
}

/** Where the browser sends presigned requests: the presigner's own origin, and the photo CDN if any. */
async function storageOrigins(app: FastifyInstance, config: AppConfig): Promise<string[]> {
  const probe = await app.presigner.presignGet({ key: 'web-app-origin-probe', expiresInSeconds: 60 });
  const origins = [new URL(probe.url).origin];
  if (config.photoUrls.mode === 'cloudfront') origins.push(`https://${config.photoUrls.domain}`);
  return origins;
}

export interface WebAppOptions {
  /** The build folder (index.html, _expo/static/...). */
  root: string;
  config: AppConfig;
}

export default async function webApp(app: FastifyInstance, options: WebAppOptions): Promise<void> {
  const root = path.resolve(options.root);
  if (!fs.existsSync(path.join(root, 'index.html'))) throw new Error(`WEB_APP_DIR: ${root} has no index.html (not a web build)`);
  // Listed once: a build is never changed in place (a rebuild replaces the folder before the next start).
  const files = buildFiles(root);
  const directives = appContentSecurityPolicy(await storageOrigins(app, options.config));

  // Only reply.sendFile: the route below decides what is served (its own wildcard would 404 app URLs).
  await app.register(fastifyStatic, { root, serve: false, cacheControl: false, index: false });

  const sendFile = (reply: FastifyReply, file: string) =>
    reply.header('cache-control', isHashed(file) ? IMMUTABLE : REVALIDATE).sendFile(file);

  app.get(
    '/*',
    { schema: { hide: true }, helmet: { contentSecurityPolicy: { useDefaults: false, directives } } },
    (request, reply) => {
      const pathname = request.url.split('?')[0]!;
      if (isApiPath(pathname)) return reply.callNotFound();
      let file: string;
      try {
        file = decodeURIComponent(pathname).replace(/^\/+/, '') || 'index.html';
      } catch {
        return reply.callNotFound();
      }
      if (files.has(file)) return sendFile(reply, file);
      // A browser opening an app URL (a reload on /photos/abc): the app routes it. Scripts, images
      // and fetches do not ask for text/html, so a missing bundle or asset stays a 404.
      if (/\btext\/html\b/.test(request.headers.accept ?? '')) return sendFile(reply, 'index.html');
      return reply.callNotFound();
    },
  );
}
