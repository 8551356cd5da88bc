import { createHash, randomUUID } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DeleteObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Multipart, MultipartFile } from '@fastify/multipart';
import type { FastifyBaseLogger } from 'fastify';
import type { AlbumAccess } from '../albums/access.js';
import type { ShareLinkRecord, ShareLinksRepository } from '../data/share-links.js';
import { HttpProblem } from '../lib/problem.js';
import type { IngestAnswer, StagedFile } from '../photos/uploads-service.js';
import { guestName, type GuestUploadResultJson } from '../schemas/share-links.js';
import { UPLOAD_TYPES, type UploadType } from '../schemas/uploads.js';
import { multipartProblem, skipFile } from './multipart-form.js';
import type { OpenedLink } from './share-links-service.js';
import { GUEST_STAGING_PREFIX } from './staging.js';

/** S3's smallest multipart part; one part in flight: what a file costs in memory while it streams. */
const PART_BYTES = 5 * 1024 ** 2;
const UNSAFE_IN_FILENAME = /[\p{Cc}\u{d800}-\u{dfff}]/gu;

export interface GuestUploadsDeps {
  s3: S3Client;
  bucket: string;
  links: ShareLinksRepository;
  checkPassword: (link: ShareLinkRecord, password: string | undefined) => Promise<void>;
  /** Dedup, quota and processing for the album owner (UploadsService.ingestStaged). */
  ingest: (ownerId: string, files: StagedFile[], extra: Record<string, unknown>) => Promise<IngestAnswer[]>;
  /** The photo joins the album with the guest's name (app.albums.service.addGuestPhoto). */
  addToAlbum: (access: AlbumAccess, photoId: string, guest: { name: string; linkId: string }) => Promise<unknown>;
  limits: { maxFileBytes: number; maxFiles: number };
  now?: () => number;
  log?: FastifyBaseLogger;
}

const field = (path: string, message: string) => new HttpProblem('validation', `${path}: ${message}`, { errors: [{ path, message }] });
const linkFull = () => new HttpProblem('conflict', 'This link takes no more photos');

/** The name a guest's file is shown with: its part's filename, without control characters, never empty. */
function displayName(filename: string | undefined): string {
  const name = (filename ?? '').replace(UNSAFE_IN_FILENAME, '').trim().slice(0, 255);
  return name || 'photo';
}

/**
 * Guest uploads through a collect link (docs/sharing.md): `multipart/form-data` with a `name` field, an optional
 * `password` field, then the `file` parts. The fields are checked before any file is read (name, password, the
 * link's room). Each file streams to a staging object (lib-storage, one 5 MiB part in flight, hashed with SHA-256
 * on the way: never buffered whole), its size capped (over: 413, nothing kept). Once the whole request is read,
 * the files are counted against the link's maxUploads in one conditional write and ingested for the album owner
 * (dedup against their library, their quota, processing), then joined to the album with the guest's name.
 * Staged objects are deleted whatever happens; a crash leaves them to the bucket's lifecycle rule.
 */
export class GuestUploads {
  private readonly now: () => number;

  constructor(private readonly deps: GuestUploadsDeps) {
    this.now = deps.now ?? Date.now;
  }

  async receive(opened: OpenedLink, parts: AsyncIterable<Multipart>, headerPassword: string | undefined): Promise<{ items: GuestUploadResultJson[]; name: string }> {
    const { link } = opened;
    if (link.kind !== 'collect') throw new HttpProblem('forbidden', 'This link shows an album; it takes no photos');
    const fields: { name?: string; password?: string } = { password: headerPassword };
    let name: string | undefined;
    const results: (GuestUploadResultJson | StagedFile)[] = [];
    const staged: StagedFile[] = [];
    try {
      for await (const part of parts) {
        if (part.type === 'field') {
          if (name !== undefined) throw field('body', 'the name and password fields come before the files');
          if (part.fieldname === 'name' || part.fieldname === 'password') fields[part.fieldname] = String(part.value);
          continue;
        }
        if (name === undefined) name = await this.admit(link, fields);
        if (part.fieldname !== 'file') {
          await skipFile(part);
          throw field('body', `file parts are named "file", not "${part.fieldname.slice(0, 40)}"`);
        }
        const filename = displayName(part.filename);
        if (!Object.hasOwn(UPLOAD_TYPES, part.mimetype)) {
          await skipFile(part);
          results.push({ filename, status: 'rejected', error: `not a photo type we take (${Object.keys(UPLOAD_TYPES).join(', ')})` });
          continue;
        }
        const file = await this.stage(opened, part, filename);
        staged.push(file);
        if (file.size === 0) results.push({ filename, status: 'rejected', error: 'the file is empty' });
        else results.push(file);
      }
      if (name === undefined) {
        await this.admit(link, fields);
        throw field('body.file', 'send at least one file part');
      }
      const files = results.filter((r): r is StagedFile => 'stagingKey' in r);
      const answers = files.length > 0 ? await this.ingest(opened, name, files) : new Map<StagedFile, IngestAnswer>();
      const items = results.map((r) => {
        if (!('stagingKey' in r)) return r;
        const answer = answers.get(r)!;
        return { filename: r.filename, status: answer.status, photoId: answer.photoId };
      });
      return { items, name };
    } finally {
      await this.discard(staged.map((f) => f.stagingKey));
    }
  }

  /** The form's fields, before any file is read: the guest's name, the link's password, room left on the link. */
  private async admit(link: ShareLinkRecord, fields: { name?: string; password?: string }): Promise<string> {
    const parsed = guestName.safeParse(fields.name ?? '');
    if (!parsed.success) throw field('body.name', parsed.error.issues[0]?.message ?? 'is not valid');
    await this.deps.checkPassword(link, fields.password);
    if ((link.uploads ?? 0) >= (link.maxUploads ?? 0)) throw linkFull();
    return parsed.data;
  }

  /** One file part into its staging object, hashed and counted on the way; over the size limit: 413, nothing kept. */
  private async stage(opened: OpenedLink, part: MultipartFile, filename: string): Promise<StagedFile> {
    const { s3, bucket, limits } = this.deps;
    const key = `${GUEST_STAGING_PREFIX}${opened.link.albumId}/${opened.link.linkId}/${randomUUID()}`;
    const hash = createHash('sha256');
    let size = 0;
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    const upload = new Upload({ client: s3, params: { Bucket: bucket, Key: key, Body: counted, ContentType: part.mimetype }, queueSize: 1, partSize: PART_BYTES, leavePartsOnError: false });
    try {
      await Promise.all([pipeline(part.file, counted), upload.done()]);
    } catch (error) {
      await upload.abort().catch(() => undefined);
      await this.discard([key]);
      if (part.file.truncated) throw new HttpProblem('payloadTooLarge', `${filename} is larger than ${limits.maxFileBytes} bytes; nothing of it was kept`);
      // The body broke off (the client went away, a malformed part): the client's doing, not a failure of ours.
      // Anything else (S3) stays what it is: a dependency's outage.
      if (part.file.errored) throw multipartProblem(part.file.errored, { fileSize: limits.maxFileBytes, files: limits.maxFiles });
      throw error;
    }
    if (part.file.truncated || size > limits.maxFileBytes) {
      await this.discard([key]);
      throw new HttpProblem('payloadTooLarge', `${filename} is larger than ${limits.maxFileBytes} bytes; nothing of it was kept`);
    }
    return { stagingKey: key, filename, contentType: part.mimetype as UploadType, size, sha256: hash.digest('base64') };
  }

  /** The link counts the files (all or none), then the owner's library takes them and the album gets them. */
  private async ingest(opened: OpenedLink, name: string, files: StagedFile[]): Promise<Map<StagedFile, IngestAnswer>> {
    const { link, access } = opened;
    if (!(await this.deps.links.reserveUploads(link, files.length, new Date(this.now()).toISOString()))) throw linkFull();
    const addedAt = new Date(this.now()).toISOString();
    let answers: IngestAnswer[];
    try {
      answers = await this.deps.ingest(access.ownerId, files, { pendingAlbums: { [access.albumId]: { name, linkId: link.linkId, addedAt } } });
    } catch (error) {
      await this.deps.links.releaseUploads(link, files.length).catch((e: unknown) => this.deps.log?.warn({ err: e }, 'collect link count not given back'));
      if (error instanceof HttpProblem && error.problem.status === 409 && error.problem.type.endsWith('/quota-exceeded')) {
        // The owner's numbers are theirs: the guest only learns that it does not fit.
        throw new HttpProblem('quotaExceeded', "These photos do not fit in the album owner's storage; nothing was added");
      }
      throw error;
    }
    for (const answer of answers) await this.deps.addToAlbum(access, answer.photoId, { name, linkId: link.linkId });
    return new Map(files.map((file, i) => [file, answers[i]!]));
  }

  private async discard(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    try {
      await this.deps.s3.send(new DeleteObjectsCommand({ Bucket: this.deps.bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }));
    } catch (error) {
      // The staging prefix's lifecycle rule removes them within a day.
      this.deps.log?.warn({ err: error, count: keys.length }, 'staged guest uploads not deleted');
    }
  }
}
