import jwt from '@fastify/jwt';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { AuthenticatedUser } from '../../auth/token-verifier.js';
import { shareLinkKeyring } from '../../config.js';
import { ShareLinksRepository } from '../../data/share-links.js';
import { GuestUploads } from '../../sharing/guest-uploads.js';
import { createIpRateLimit, type IpRateLimitHook } from '../../sharing/ip-rate-limit.js';
import { LinkTokens } from '../../sharing/link-tokens.js';
import { ShareLinksService } from '../../sharing/share-links-service.js';

declare module '@fastify/jwt' {
  interface FastifyJWT {
    /** @fastify/jwt only signs share link tokens here (app.jwt.shareLinks); requests are authenticated by src/auth. */
    namespaces: 'shareLinks';
    /** request.user stays the Cognito user of src/plugins/app/accounts.ts (the plugin types it too). */
    user: AuthenticatedUser;
  }
}

export interface ShareLinksDecoration {
  repository: ShareLinksRepository;
  tokens: LinkTokens;
  service: ShareLinksService;
  /** Collect links: guests' files streamed in and ingested for the album owner. */
  guestUploads: GuestUploads;
  /** Per client IP, every public share link route (onRequest hook). */
  publicRateLimit: IpRateLimitHook;
  /** Per client IP, guest upload requests (onRequest hook), on top of publicRateLimit. */
  guestUploadRateLimit: IpRateLimitHook;
}

declare module 'fastify' {
  interface FastifyInstance {
    shareLinks: ShareLinksDecoration;
  }
}

export interface ShareLinksPluginOptions {
  /** The links' clock (expiry); tests move it. */
  now?: () => number;
}

/** Share links: public view links and collect links for guests (docs/sharing.md). */
export default fp(
  async function shareLinks(app: FastifyInstance, options: ShareLinksPluginOptions) {
    const { config } = app;
    const { keys, signingKeyId } = shareLinkKeyring(config);
    // HS256 only, in a namespace of its own: it never reads the Authorization header nor sets request.user.
    await app.register(jwt, {
      secret: keys[signingKeyId]!,
      namespace: 'shareLinks',
      decoratorName: 'shareLinkClaims',
      sign: { algorithm: 'HS256' },
      verify: { algorithms: ['HS256'] },
    });
    const now = options.now ?? Date.now;
    const repository = new ShareLinksRepository(app.aws.dynamo, app.resources.table);
    const tokens = new LinkTokens({ jwt: app.jwt.shareLinks, keys, signingKeyId, now });
    const service = new ShareLinksService({
      links: repository,
      tokens,
      access: (userId, albumId) => app.albums.access(userId, albumId),
      albumPhotos: (access, limit, cursor) => app.albums.service.photos(access, limit, cursor),
      dayMs: config.shareLinks.dayMs,
      collectLimits: { maxFiles: config.shareLinks.maxFilesPerRequest, maxFileBytes: config.shareLinks.maxFileBytes },
      now,
    });
    const guestUploads = new GuestUploads({
      s3: app.aws.s3,
      bucket: app.resources.bucket,
      links: repository,
      checkPassword: (link, password) => service.checkPassword(link, password),
      ingest: (ownerId, files, extra) => app.uploads.ingestStaged(ownerId, files, extra),
      addToAlbum: (access, photoId, guest) => app.albums.service.addGuestPhoto(access, photoId, guest),
      limits: { maxFileBytes: config.shareLinks.maxFileBytes, maxFiles: config.shareLinks.maxFilesPerRequest },
      now,
      log: app.log.child({ component: 'guest-uploads' }),
    });
    const publicRateLimit = createIpRateLimit({ max: config.rateLimits.sharedPerIpPerMinute, what: 'share link requests', now });
    const guestUploadRateLimit = createIpRateLimit({ max: config.rateLimits.guestUploadsPerIpPerMinute, what: 'uploads', now });
    app.decorate('shareLinks', { repository, tokens, service, guestUploads, publicRateLimit, guestUploadRateLimit });
  },
  { name: 'share-links', dependencies: ['aws', 'jobs', 'albums', 'uploads'] },
);
