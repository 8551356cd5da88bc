import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** Family groups: invites by email, members (docs/sharing.md). */
export default fp(
  async function family(_app: FastifyInstance) {},
  { name: 'family', dependencies: ['aws', 'jobs', 'accounts'] },
);
