import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** Album members: sharing an album with other users by email (docs/sharing.md). */
export default fp(
  async function albumMembers(_app: FastifyInstance) {},
  { name: 'album-members', dependencies: ['aws', 'jobs', 'albums'] },
);
