import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** Albums: repository, service, the album jobs (docs/sharing.md). */
export default fp(
  async function albums(_app: FastifyInstance) {},
  { name: 'albums', dependencies: ['aws', 'jobs', 'photos'] },
);
