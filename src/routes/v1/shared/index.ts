import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { jsonResponse, problemResponse, problemResponses } from '../../../schemas/problem.js';
import { multipartBodies } from '../../../plugins/app/body-parsing.js';
import { guestUploadForm, guestUploadResponse, sharedAlbum, sharedHeaders, sharedParams, sharedQuery } from '../../../schemas/share-links.js';
import { formParts, requireMultipart } from '../../../sharing/multipart-form.js';

export const LINK_NOT_FOUND = problemResponse(404, 'No such link: forged, expired, revoked, or its album was deleted (one answer for all)');
export const PASSWORD_REQUIRED = problemResponse(
  401,
  'The link has a password and it was not sent, or is wrong (type https://auroravault.dev/problems/share-password-required)',
);
export const RATE_LIMITED = problemResponse(429, 'Too many requests from your address; wait Retry-After seconds');

/** /v1/shared: what a share link's holder sees and sends, without an account (docs/sharing.md). */
const sharedRoutes: FastifyPluginAsyncZod = async (app) => {
  const limits = { fileSize: app.config.shareLinks.maxFileBytes, files: app.config.shareLinks.maxFilesPerRequest };
  await multipartBodies(app, limits);
  app.addHook('onRequest', app.shareLinks.publicRateLimit);
  const common = { tags: ['share links'], security: [] };

  app.get(
    '/:token',
    {
      schema: {
        ...common,
        operationId: 'getSharedAlbum',
        summary: "What a share link opens: the album's name, and a view link's photos page by page",
        params: sharedParams,
        querystring: sharedQuery,
        headers: sharedHeaders,
        response: { 200: jsonResponse('The album as the link shows it', sharedAlbum), ...problemResponses(400), 401: PASSWORD_REQUIRED, 404: LINK_NOT_FOUND, 429: RATE_LIMITED },
      },
    },
    async (request) => app.shareLinks.service.view(request.params.token, request.headers['x-share-password'], request.query.limit, request.query.cursor),
  );

  app.post(
    '/:token/photos',
    {
      onRequest: [app.shareLinks.guestUploadRateLimit, requireMultipart],
      schema: {
        ...common,
        operationId: 'uploadGuestPhotos',
        summary: 'Collect links: add photos to the album as a guest, without an account (multipart/form-data)',
        description:
          'Fields first: `name` (your name, 1-60 characters), `password` when the link has one (or the x-share-password header); ' +
          `then up to ${limits.files} \`file\` parts of at most ${limits.fileSize} bytes each. A result per file: added, duplicate (the owner has it already: ` +
          'it joins the album, stored once) or rejected (not a photo type, empty).',
        params: sharedParams,
        headers: sharedHeaders,
        consumes: ['multipart/form-data'],
        body: guestUploadForm,
        response: {
          201: jsonResponse('What became of each file', guestUploadResponse),
          ...problemResponses(400),
          401: PASSWORD_REQUIRED,
          403: problemResponse(403, 'A view link: it takes no photos'),
          404: LINK_NOT_FOUND,
          409: problemResponse(409, "The link takes no more photos (maxUploads), or the album owner's storage is full: nothing was added"),
          413: problemResponse(413, 'A file is over the size limit, or too many files or fields: nothing was added'),
          415: problemResponse(415, 'Not multipart/form-data'),
          429: RATE_LIMITED,
        },
      },
    },
    async (request, reply) => {
      const opened = await app.shareLinks.service.resolve(request.params.token);
      const { items } = await app.shareLinks.guestUploads.receive(opened, formParts(request, limits), request.headers['x-share-password']);
      return reply.status(201).send({ items });
    },
  );
};

export default sharedRoutes;
