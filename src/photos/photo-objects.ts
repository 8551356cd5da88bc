import type { Readable } from 'node:stream';
import { AbortMultipartUploadCommand, DeleteObjectsCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { FastifyBaseLogger } from 'fastify';
import { photoKeys } from './photo-id.js';

/** The object is not in the bucket: for an original that passed `complete`, a permanent state. */
export class ObjectMissingError extends Error {
  constructor(readonly key: string) {
    super(`no object at ${key}`);
    this.name = 'ObjectMissingError';
  }
}

/** The bucket as photo processing sees it; a narrow port so its decisions can be unit-tested with a fake. */
export interface PhotoObjects {
  /** Streams an object; throws ObjectMissingError when there is none, anything else is transient. */
  read(key: string, signal?: AbortSignal): Promise<Readable>;
  write(key: string, body: Buffer, contentType: string): Promise<void>;
  /** Deletes the keys; keys that are already gone are not an error. */
  remove(keys: string[]): Promise<void>;
}

/** Every object a photo may have: its original and its derivatives (at the keys processing writes). */
export function photoObjectKeys(photo: { userId: string; photoId: string }): string[] {
  return [photoKeys.original(photo.userId, photo.photoId), photoKeys.thumbnail(photo.userId, photo.photoId), photoKeys.preview(photo.userId, photo.photoId)];
}

/**
 * Aborts a multipart upload, best effort: one already gone is fine, and the bucket's lifecycle rule aborts
 * incomplete multipart uploads after a day anyway.
 */
export async function abortMultipartUpload(s3: S3Client, bucket: string, key: string, uploadId: string, log?: FastifyBaseLogger): Promise<void> {
  try {
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name !== 'NoSuchUpload') log?.warn({ err: { name }, key }, 'aborting a multipart upload failed');
  }
}

/** DeleteObjects takes at most 1000 keys. */
const DELETE_BATCH = 1000;

export function s3PhotoObjects(s3: S3Client, bucket: string): PhotoObjects {
  return {
    async read(key, signal) {
      try {
        const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
        return object.Body as Readable;
      } catch (error) {
        if ((error as { name?: string }).name === 'NoSuchKey') throw new ObjectMissingError(key);
        throw error;
      }
    },
    async write(key, body, contentType) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
    },
    async remove(keys) {
      for (let i = 0; i < keys.length; i += DELETE_BATCH) {
        const batch = keys.slice(i, i + DELETE_BATCH);
        const result = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }));
        const failed = (result.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
        if (failed.length > 0) throw new Error(`S3 DeleteObjects failed for ${failed.length} key(s): ${failed[0]!.Code ?? 'unknown'}`);
      }
    },
  };
}
