import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { HttpProblem, PROBLEM_CONTENT_TYPE } from '../../lib/problem.js';
import { multipartBodies } from '../../plugins/app/body-parsing.js';
import { toProblem } from '../../plugins/app/problems.js';
import { problemSchema } from '../../schemas/problem.js';
import { sharedParams } from '../../schemas/share-links.js';
import { formParts, readFields, requireMultipart } from '../../sharing/multipart-form.js';
import { PASSWORD_PROBLEM_TYPE } from '../../sharing/share-links-service.js';
import { collectPage, messagePage, pageContentSecurityPolicy, passwordPage, viewPage } from '../../sharing/share-page.js';

/** Photos per page of a shared album. */
const PAGE_SIZE = 60;

const html = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });
/** Every answer of these routes is a page, refusals included (a person reads them). */
const PAGE_REFUSALS = {
  // A token over MAX_PARAM_LENGTH is refused by the router itself, before these routes: problem+json.
  400: { description: 'The request is not valid', content: { 'text/html': { schema: z.string() }, [PROBLEM_CONTENT_TYPE]: { schema: problemSchema } } },
  401: html('The password asked for is not right (the page asks again)'),
  404: html('No such link: forged, expired, revoked, or its album was deleted'),
  429: html('Too many requests from your address; wait Retry-After seconds (the header is sent)'),
  500: html('Something failed on our side'),
  503: html('A dependency is unavailable for a moment; try again'),
};
const POST_REFUSALS = { ...PAGE_REFUSALS, 403: html('Not possible with this link'), 409: html('The link takes no more photos, or the album owner has no space left'), 413: html('A file or the form is too large'), 415: html('The form is not multipart/form-data') };

const TITLES: Record<number, string> = { 400: 'Something is wrong with the form', 404: 'Link not found', 409: 'Not added', 413: 'Too large', 415: 'Not a form', 429: 'Too many requests' };

/** Where the pages' images come from: the presigner's origin (the local S3, or S3), and the photo CDN if any. */
async function imageOrigins(app: FastifyInstance): Promise<string[]> {
  const probe = await app.presigner.presignGet({ key: 'share-page-origin-probe', expiresInSeconds: 60 });
  const origins = [new URL(probe.url).origin];
  if (app.config.photoUrls.mode === 'cloudfront') origins.push(`https://${app.config.photoUrls.domain}`);
  return origins;
}

/** /s/{token}: plain HTML pages for share links, usable without JavaScript (docs/sharing.md). */
const sharePages: FastifyPluginAsyncZod = async (app) => {
  const limits = { fileSize: app.config.shareLinks.maxFileBytes, files: app.config.shareLinks.maxFilesPerRequest };
  await multipartBodies(app, limits);
  app.addHook('onRequest', app.shareLinks.publicRateLimit);
  const { service } = app.shareLinks;
  const directives = pageContentSecurityPolicy(await imageOrigins(app));
  const common = {
    helmet: { contentSecurityPolicy: { useDefaults: false, directives } },
  };
  const send = (reply: FastifyReply, body: string, status = 200) => reply.status(status).type('text/html; charset=utf-8').send(body);

  // Refusals as pages. Logged as the app's own handler does (src/plugins/app/problems.ts), minus the token.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = toProblem(error, request);
    if (error instanceof HttpProblem) reply.headers(error.headers);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ status: problem.status, problem: problem.type }, 'request refused');
    const title = TITLES[problem.status] ?? (problem.status >= 500 ? 'Something went wrong' : 'Not possible');
    const detail = problem.status >= 500 ? 'Something went wrong on our side; please try again in a moment.' : (problem.detail ?? problem.title);
    return send(reply, messagePage(title, detail), problem.status);
  });

  app.get(
    '/:token',
    {
      ...common,
      schema: {
        tags: ['share links'],
        security: [],
        operationId: 'getSharePage',
        summary: 'The page of a share link: the album (view link), or an upload form (collect link); no JavaScript needed',
        params: sharedParams,
        querystring: z.object({ cursor: z.string().min(1).max(2048).optional().describe('The next page of a view link') }),
        response: { 200: html('The album (view link), the upload form (collect link) or the password form'), ...PAGE_REFUSALS },
      },
    },
    async (request, reply) => {
      const opened = await service.resolve(request.params.token);
      const { link, album } = opened;
      const { maxFilesPerRequest: maxFiles, maxFileBytes } = app.config.shareLinks;
      if (link.kind === 'collect') return send(reply, collectPage({ albumName: album.name, needsPassword: link.passwordHash !== undefined, maxFiles, maxFileBytes }));
      if (link.passwordHash !== undefined) return send(reply, passwordPage(album.name));
      const photos = await service.photos(opened, PAGE_SIZE, request.query.cursor);
      return send(reply, viewPage({ albumName: album.name, photos: photos.items, nextCursor: photos.nextCursor }));
    },
  );

  app.post(
    '/:token',
    {
      ...common,
      onRequest: [app.shareLinks.guestUploadRateLimit, requireMultipart],
      schema: {
        tags: ['share links'],
        security: [],
        operationId: 'postSharePage',
        summary: "The share page's forms: a view link's password (and its next pages), a collect link's upload",
        params: sharedParams,
        consumes: ['multipart/form-data'],
        response: { 200: html('The album, or what the upload added'), ...POST_REFUSALS },
      },
    },
    async (request, reply) => {
      const opened = await service.resolve(request.params.token);
      const { link, album } = opened;
      if (link.kind === 'collect') {
        const { maxFilesPerRequest: maxFiles, maxFileBytes } = app.config.shareLinks;
        const form = { albumName: album.name, needsPassword: link.passwordHash !== undefined, maxFiles, maxFileBytes };
        try {
          const { items, name } = await app.shareLinks.guestUploads.receive(opened, formParts(request, limits), undefined);
          return send(reply, collectPage({ ...form, results: items, name }));
        } catch (error) {
          // The guest's own mistakes come back on the form; anything else is the error page.
          if (!(error instanceof HttpProblem) || error.problem.status >= 500 || error.problem.status === 429) throw error;
          request.log.info({ status: error.problem.status, problem: error.problem.type }, 'request refused');
          reply.headers(error.headers);
          const message = error.problem.type === PASSWORD_PROBLEM_TYPE ? 'The password is not right.' : (error.problem.detail ?? error.problem.title);
          return send(reply, collectPage({ ...form, error: message }), error.problem.status);
        }
      }
      const fields = await readFields(request, limits);
      try {
        await service.checkPassword(link, fields.password);
      } catch (error) {
        if (error instanceof HttpProblem && error.problem.type === PASSWORD_PROBLEM_TYPE) return send(reply, passwordPage(album.name, 'The password is not right.'), 401);
        throw error;
      }
      const photos = await service.photos(opened, PAGE_SIZE, fields.cursor);
      return send(reply, viewPage({ albumName: album.name, photos: photos.items, nextCursor: photos.nextCursor, password: fields.password }));
    },
  );
};

export default sharePages;
