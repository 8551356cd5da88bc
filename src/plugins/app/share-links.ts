import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** Share links: public view links and collect links for guests (docs/sharing.md). */
export default fp(
  async function shareLinks(_app: FastifyInstance) {},
  { name: 'share-links', dependencies: ['aws', 'jobs', 'albums', 'uploads'] },
);
