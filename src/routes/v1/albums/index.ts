import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

/** /v1/albums: albums and their photos (docs/sharing.md). */
const albums: FastifyPluginAsyncZod = async () => {};

export default albums;
