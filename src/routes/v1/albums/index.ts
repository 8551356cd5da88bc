import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { noContent } from '../../../schemas/auth.js';
import {
  addPhotosResult,
  album,
  albumPage,
  albumParams,
  albumPhotoPage,
  createAlbumBody,
  photoIdsBody,
  removePhotosResult,
  updateAlbumBody,
} from '../../../schemas/albums.js';
import { listQuery } from '../../../schemas/photos.js';
import { contractSerializerCompiler } from '../../../schemas/serializer.js';
import { jsonResponse, problemResponse, problemResponses } from '../../../schemas/problem.js';

const forbidden = (what: string) => problemResponse(403, `Your role in the album does not allow ${what}`);
const unknown = problemResponse(404, 'No such album, or you are not a member of it');

/** /v1/albums: albums and their photos (docs/sharing.md). Not a member: 404; a role without the right: 403. */
const albums: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate);
  app.addHook('onRequest', app.userRateLimit);
  app.setSerializerCompiler(contractSerializerCompiler);
  const common = { tags: ['albums'], security: [{ bearerAuth: [] }] };
  const access = (userId: string, albumId: string) => app.albums.access(userId, albumId);

  app.post(
    '',
    {
      schema: {
        ...common,
        operationId: 'createAlbum',
        summary: 'Create an album',
        body: createAlbumBody,
        response: { 201: jsonResponse('The new album', album), ...problemResponses(400, 401) },
      },
    },
    async (request, reply) => reply.status(201).send(await app.albums.service.create(request.user.userId, request.body.name)),
  );

  app.get(
    '',
    {
      schema: {
        ...common,
        operationId: 'listAlbums',
        summary: 'My own albums, newest first',
        querystring: listQuery,
        response: { 200: jsonResponse('One page of my albums', albumPage), ...problemResponses(400, 401) },
      },
    },
    async (request) => app.albums.service.listMine(request.user.userId, request.query.limit, request.query.cursor),
  );

  app.get(
    '/:albumId',
    {
      schema: {
        ...common,
        operationId: 'getAlbum',
        summary: 'One album, with my role in it',
        params: albumParams,
        response: { 200: jsonResponse('The album, with your role in it', album), ...problemResponses(400, 401), 404: unknown },
      },
    },
    async (request) => app.albums.service.get(await access(request.user.userId, request.params.albumId)),
  );

  app.patch(
    '/:albumId',
    {
      schema: {
        ...common,
        operationId: 'updateAlbum',
        summary: 'Rename an album, set or clear (null) its cover',
        params: albumParams,
        body: updateAlbumBody,
        response: { 200: jsonResponse('The album as it is now', album), ...problemResponses(400, 401), 403: forbidden('changing it'), 404: unknown },
      },
    },
    async (request) => app.albums.service.update(await access(request.user.userId, request.params.albumId), request.body),
  );

  app.delete(
    '/:albumId',
    {
      schema: {
        ...common,
        operationId: 'deleteAlbum',
        summary: 'Delete an album (its photos stay in their libraries)',
        params: albumParams,
        response: { 204: noContent.describe('The album is gone'), ...problemResponses(400, 401), 403: forbidden('deleting it'), 404: unknown },
      },
    },
    async (request, reply) => {
      await app.albums.service.delete(await access(request.user.userId, request.params.albumId));
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/:albumId/photos',
    {
      schema: {
        ...common,
        operationId: 'listAlbumPhotos',
        summary: "The album's photos, newest taken first, each with who added it",
        params: albumParams,
        querystring: listQuery,
        response: { 200: jsonResponse("One page of the album's photos", albumPhotoPage), ...problemResponses(400, 401), 404: unknown },
      },
    },
    async (request) => app.albums.service.photos(await access(request.user.userId, request.params.albumId), request.query.limit, request.query.cursor),
  );

  app.post(
    '/:albumId/photos',
    {
      schema: {
        ...common,
        operationId: 'addAlbumPhotos',
        summary: 'Add my own ready photos to the album',
        params: albumParams,
        body: photoIdsBody,
        response: { 200: jsonResponse('A result per photo id', addPhotosResult), ...problemResponses(400, 401), 403: forbidden('adding photos'), 404: unknown },
      },
    },
    async (request) => ({ results: await app.albums.service.addPhotos(await access(request.user.userId, request.params.albumId), request.body.photoIds) }),
  );

  app.post(
    '/:albumId/photos/remove',
    {
      schema: {
        ...common,
        operationId: 'removeAlbumPhotos',
        summary: 'Take photos out of the album (they stay in their libraries)',
        params: albumParams,
        body: photoIdsBody,
        response: { 200: jsonResponse('A result per photo id', removePhotosResult), ...problemResponses(400, 401), 403: forbidden('removing photos'), 404: unknown },
      },
    },
    async (request) => ({ results: await app.albums.service.removePhotos(await access(request.user.userId, request.params.albumId), request.body.photoIds) }),
  );
};

export default albums;
