import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { resolveAlbumAccess } from '../../albums/access.js';
import { AlbumMemberJobs, type AlbumsPort } from '../../albums/album-member-jobs.js';
import { AlbumMembersService } from '../../albums/album-members-service.js';
import { publishEvents } from '../../aws/eventbridge.js';
import { AlbumMembersRepository } from '../../data/album-members.js';
import { runOnce } from '../../jobs/idempotency.js';

export interface AlbumMembersDecoration {
  repository: AlbumMembersRepository;
  service: AlbumMembersService;
  jobs: AlbumMemberJobs;
}

declare module 'fastify' {
  interface FastifyInstance {
    albumMembers: AlbumMembersDecoration;
  }
}

/** Album members: sharing an album with other users by email (docs/sharing.md). */
export default fp(
  async function albumMembers(app: FastifyInstance) {
    const { dynamo, events } = app.aws;
    const { table, eventBusName } = app.resources;
    const log = app.log.child({ component: 'album-members' });
    const repository = new AlbumMembersRepository(dynamo, table);
    const albums = (): AlbumsPort => app.albums.service;
    const jobs = new AlbumMemberJobs({
      members: repository,
      albums,
      publish: (list) => publishEvents(events, eventBusName, list),
      once: (key, effect) => runOnce(dynamo, table, key, effect),
      enqueue: app.jobs.enqueue,
      log,
    });
    jobs.register(app.jobs.registry);
    const service = new AlbumMembersService({
      members: repository,
      access: (userId, albumId) => resolveAlbumAccess(dynamo, table, userId, albumId),
      users: app.users,
      albums,
      enqueue: app.jobs.enqueue,
      completeDeparture: (albumId, userId) => jobs.completeDeparture(albumId, userId),
      cursorSecret: app.config.secrets.cursor,
      log,
    });
    app.photos.addSweep('album-members', (now) => jobs.sweep(now));
    app.accounts.onDeleteAccount((user) => service.leaveAll(user.userId));
    app.decorate('albumMembers', { repository, service, jobs });
  },
  { name: 'album-members', dependencies: ['aws', 'jobs', 'accounts', 'photos', 'albums'] },
);
