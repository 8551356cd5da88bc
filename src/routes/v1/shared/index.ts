import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

/** /v1/shared: what a share link's holder sees and sends, without an account (docs/sharing.md). */
const sharedRoutes: FastifyPluginAsyncZod = async () => {};

export default sharedRoutes;
