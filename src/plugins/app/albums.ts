import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { resolveAlbumAccess, type AlbumAccess } from '../../albums/access.js';
import { ALBUM_CLEAR_LEASE_MS, AlbumJobs } from '../../albums/album-jobs.js';
import { AlbumsService } from '../../albums/albums-service.js';
import type { AlbumEntriesRepository } from '../../data/album-entries.js';
import type { AlbumsRepository } from '../../data/albums.js';

export interface AlbumsDecoration {
  repository: AlbumsRepository;
  entries: AlbumEntriesRepository;
  service: AlbumsService;
  /** Clearing deleted albums (job and sweep). */
  jobs: AlbumJobs;
  /** The caller's access to an album; throws the 404 problem when there is none. */
  access(userId: string, albumId: string): Promise<AlbumAccess>;
}

declare module 'fastify' {
  interface FastifyInstance {
    albums: AlbumsDecoration;
  }
}

/**
 * Albums: repository, service, the album jobs (docs/sharing.md). The repositories are the photo
 * deletions' own (deleting a photo or an account changes albums through them).
 */
export default fp(
  async function albums(app: FastifyInstance) {
    const log = app.log.child({ component: 'albums' });
    const repository = app.photos.deletions.albums;
    const entries = app.photos.deletions.albumEntries;
    const { dynamo } = app.aws;
    const { table } = app.resources;
    const jobs = new AlbumJobs({ albums: repository, entries, enqueue: app.jobs.enqueue, log });
    jobs.register(app.jobs.registry);
    const library = app.photos.library;
    const service = new AlbumsService({
      albums: repository,
      entries,
      profiles: app.users,
      photoJson: (photo, scope) => library.toJson(photo, scope),
      thumbnailUrl: (photo, scope) => library.thumbnailUrl(photo, scope),
      resolveAccess: (userId, albumId) => resolveAlbumAccess(dynamo, table, userId, albumId),
      requestClear: jobs.requestClear,
      clearLeaseMs: ALBUM_CLEAR_LEASE_MS,
      cursorSecret: app.config.secrets.cursor,
      log,
    });
    app.decorate('albums', { repository, entries, service, jobs, access: (userId: string, albumId: string) => service.access(userId, albumId) });
    app.photos.addSweep('albums', jobs.sweep);
    // After the photos' own hook recorded the account's deletion; a failure fails the request, which is repeated.
    app.accounts.onDeleteAccount((user) => service.deleteAccountAlbums(user.userId));
  },
  { name: 'albums', dependencies: ['aws', 'jobs', 'accounts', 'photos'] },
);
