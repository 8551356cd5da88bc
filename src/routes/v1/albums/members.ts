import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

/** /v1/albums: members of shared albums and the albums shared with me (docs/sharing.md). */
const albumMembers: FastifyPluginAsyncZod = async () => {};

export default albumMembers;
