import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

/** /v1/albums/{albumId}/links: an album's share links (docs/sharing.md). */
const albumLinks: FastifyPluginAsyncZod = async () => {};

export default albumLinks;
