import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

/** /v1/family: the family group, invites and invitations (docs/sharing.md). */
const familyRoutes: FastifyPluginAsyncZod = async () => {};

export default familyRoutes;
