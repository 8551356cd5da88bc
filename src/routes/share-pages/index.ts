import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

/** /s/{token}: plain HTML pages for share links, usable without JavaScript (docs/sharing.md). */
const sharePages: FastifyPluginAsyncZod = async () => {};

export default sharePages;
