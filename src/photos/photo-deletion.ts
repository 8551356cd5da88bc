import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { FastifyBaseLogger } from 'fastify';
import { tombstoneFor, UPLOAD_PUT_GRACE_MS, type DeletionsRepository, type Tombstone } from '../data/deletions.js';
import type { PhotoRecord, PhotosRepository } from '../data/photos.js';
import { photoKeys } from './photo-id.js';
import { abortMultipartUpload, photoObjectKeys, s3PhotoObjects } from './photo-objects.js';


export interface PhotoDeletionDeps {
  photos: PhotosRepository;
  deletions: DeletionsRepository;
  s3: S3Client;
  bucket: string;
  now: () => Date;
  /** How long after its URL expired a PUT may still land (UPLOAD_PUT_GRACE_MS). */
  uploadGraceMs?: number;
  log?: FastifyBaseLogger;
}

export type TombstoneOutcome = 'deleted' | 'again-later' | 'in-use' | 'changed';

/**
 * Deleting photos so that nothing is left behind: the record goes with its usage and a tombstone in
 * one transaction, then the objects. A failure after the transaction leaves the tombstone, which the
 * sweeper finishes; the tombstone also outlives the photo's upload URL, so a PUT through a URL handed
 * out earlier is deleted again after it can no longer happen.
 */
export class PhotoDeletion {
  private readonly graceMs: number;
  constructor(private readonly deps: PhotoDeletionDeps) {
    this.graceMs = deps.uploadGraceMs ?? UPLOAD_PUT_GRACE_MS;
  }

  /**
   * Deletes a photo as the caller saw it (`guard`: see PhotosRepository.remove). False when it
   * changed or went meanwhile: nothing was done. Object deletion failing is not the caller's
   * failure: the tombstone is already there and the sweeper retries it.
   */
  async deletePhoto(photo: PhotoRecord, guard: 'trashed' | 'uploading'): Promise<boolean> {
    // A purged photo leaves its albums first (only a ready photo is ever in one): should this crash or
    // the removal below fail, the record still names the albums left to leave, and the purge is retried
    // (its job, or the sweep once the lease ran out). Pinned to the trash entry read: a restore wins.
    if (guard === 'trashed' && !(await this.deps.deletions.leaveAlbums(photo, this.deps.now(), photo.trashedAt ?? ''))) return false;
    const tombstone = tombstoneFor(photo, this.deps.now(), this.graceMs);
    if (!(await this.deps.photos.remove(photo, guard, tombstone))) return false;
    try {
      await this.finish(tombstone);
    } catch (error) {
      this.deps.log?.warn({ err: error, userId: photo.userId, photoId: photo.photoId }, 'photo objects not deleted yet: the sweeper retries');
    }
    return true;
  }

  /**
   * Works off one tombstone: unless a live photo owns the key again (the same content uploaded
   * anew), aborts the multipart upload and deletes the objects; then drops the tombstone once no URL
   * can write any more, or looks again when the last one has died.
   *
   * Known gap: S3 has no delete conditional on DynamoDB, so a new upload of the same content that is
   * reserved, PUT and completed between the read below and DeleteObjects loses its original (its
   * processing then ends `rejected`, original gone). That needs the whole upload round trip inside
   * one S3 call's latency.
   */
  async finish(tombstone: Tombstone, now = this.deps.now()): Promise<TombstoneOutcome> {
    const owner = await this.deps.photos.get(tombstone.userId, tombstone.photoId);
    if (owner && owner.status !== 'rejected') {
      // A new upload of the same bytes took the key over; its own life cycle owns the objects now.
      return (await this.deps.deletions.deleteTombstone(tombstone)) ? 'in-use' : 'changed';
    }
    if (tombstone.uploadId) await this.abortMultipart(photoKeys.original(tombstone.userId, tombstone.photoId), tombstone.uploadId);
    await this.deleteKeys(photoObjectKeys(tombstone));
    if (now.toISOString() >= tombstone.urlDeadAt) {
      return (await this.deps.deletions.deleteTombstone(tombstone)) ? 'deleted' : 'changed';
    }
    return (await this.deps.deletions.rescheduleTombstone(tombstone, tombstone.urlDeadAt)) ? 'again-later' : 'changed';
  }

  /** Every object under the user's prefix (account deletion); returns how many there were. */
  async sweepUserPrefix(userId: string, signal?: AbortSignal): Promise<number> {
    let objects = 0;
    let token: string | undefined;
    do {
      signal?.throwIfAborted();
      const listed = await this.deps.s3.send(new ListObjectsV2Command({ Bucket: this.deps.bucket, Prefix: photoKeys.userPrefix(userId), ContinuationToken: token }));
      const found = (listed.Contents ?? []).map((o) => o.Key).filter((k): k is string => typeof k === 'string');
      await this.deleteKeys(found);
      objects += found.length;
      token = listed.IsTruncated ? listed.NextContinuationToken : undefined;
    } while (token);
    return objects;
  }

  abortMultipart(key: string, uploadId: string): Promise<void> {
    return abortMultipartUpload(this.deps.s3, this.deps.bucket, key, uploadId, this.deps.log);
  }

  private deleteKeys(objectKeys: string[]): Promise<void> {
    return s3PhotoObjects(this.deps.s3, this.deps.bucket).remove(objectKeys);
  }
}
