import type { AlbumAccess } from '../albums/access.js';
import { newId } from '../albums/ids.js';
import type { LinkedAlbum, ShareLinkRecord, ShareLinksRepository } from '../data/share-links.js';
import { HttpProblem } from '../lib/problem.js';
import type { AlbumPhotoPageJson } from '../schemas/albums.js';
import { DEFAULT_MAX_UPLOADS, type CreateLinkBody, type ShareLinkJson, type SharedAlbumJson } from '../schemas/share-links.js';
import type { LinkTokens } from './link-tokens.js';
import { hashPassword, verifyPassword } from './password.js';

export interface ShareLinksDeps {
  links: ShareLinksRepository;
  tokens: LinkTokens;
  /** The signed-in caller's access to an album (the 404 problem when there is none). */
  access: (userId: string, albumId: string) => Promise<AlbumAccess>;
  /** A page of the album's photos as `access` may see them (object-scoped URLs for a link). */
  albumPhotos: (access: AlbumAccess, limit: number, cursor?: string) => Promise<AlbumPhotoPageJson>;
  /** Milliseconds in one of a link's expiresInDays. */
  dayMs: number;
  /** What a collect link's guests are told about the limits. */
  collectLimits: { maxFiles: number; maxFileBytes: number };
  now?: () => number;
}

/** A link as a holder's request resolved it: the link, its album, and the access it grants. */
export interface OpenedLink {
  link: ShareLinkRecord;
  album: LinkedAlbum;
  access: AlbumAccess;
}

/** The one answer to every token that opens nothing: forged, expired, revoked, of a deleted album. */
export const linkNotFound = () => new HttpProblem('notFound', 'No such link: it may have expired or been revoked');

/** A 401 of its own type, so a client knows to ask for the link's password (and not to sign in). */
export const PASSWORD_PROBLEM_TYPE = 'https://auroravault.dev/problems/share-password-required';
export const passwordProblem = (detail: string) =>
  new HttpProblem('unauthorized', detail, { type: PASSWORD_PROBLEM_TYPE, title: 'This link needs its password' });

const forbidden = () => new HttpProblem('forbidden', 'Only the album owner manages its links');

/**
 * Share links (docs/sharing.md): the owner creates, lists and revokes them; a holder's every request verifies
 * the token (signature, key, expiry) and reads the link and its album (consistent), so a revocation or an
 * album's deletion is in force on the next request of any instance. Owners see their links with their tokens
 * (signed again on each listing: the same claims, with the key signing now).
 */
export class ShareLinksService {
  private readonly now: () => number;

  constructor(private readonly deps: ShareLinksDeps) {
    this.now = deps.now ?? Date.now;
  }

  async create(userId: string, albumId: string, body: CreateLinkBody, origin: string): Promise<ShareLinkJson> {
    await this.ownerAccess(userId, albumId);
    const now = this.now();
    // Whole seconds: the token's exp and the item's expiry are the same instant.
    const expiresAtMs = Math.floor((now + body.expiresInDays * this.deps.dayMs) / 1000) * 1000;
    const link: ShareLinkRecord = {
      albumId,
      linkId: newId(now),
      kind: body.kind,
      expiresAt: new Date(expiresAtMs).toISOString(),
      ...(body.password !== undefined ? { passwordHash: await hashPassword(body.password) } : {}),
      ...(body.kind === 'collect' ? { maxUploads: body.maxUploads ?? DEFAULT_MAX_UPLOADS, uploads: 0 } : {}),
      createdAt: new Date(now).toISOString(),
      createdBy: userId,
    };
    await this.deps.links.create(link);
    return this.toJson(link, origin);
  }

  async list(userId: string, albumId: string, origin: string): Promise<{ items: ShareLinkJson[] }> {
    await this.ownerAccess(userId, albumId);
    return { items: (await this.deps.links.list(albumId)).map((link) => this.toJson(link, origin)) };
  }

  async revoke(userId: string, albumId: string, linkId: string): Promise<void> {
    await this.ownerAccess(userId, albumId);
    if (!(await this.deps.links.revoke(albumId, linkId, new Date(this.now()).toISOString()))) throw new HttpProblem('notFound', 'No such link');
  }

  /**
   * The link a token names, if it still opens anything, with its password checked when it has one (none
   * sent or a wrong one: the 401 password problem). Anything else that fails is the one 404.
   */
  async open(token: string, password: string | undefined): Promise<OpenedLink> {
    const opened = await this.resolve(token);
    await this.checkPassword(opened.link, password);
    return opened;
  }

  /** The link a token names, if it still opens anything (forged, expired, revoked, album deleted: the one 404); the password is not checked. */
  async resolve(token: string): Promise<OpenedLink> {
    const claims = this.deps.tokens.verify(token);
    if (!claims) throw linkNotFound();
    const found = await this.deps.links.getWithAlbum(claims.albumId, claims.linkId);
    if (!found) throw linkNotFound();
    const { link, album } = found;
    if (link.kind !== claims.kind || link.revokedAt !== undefined || Date.parse(link.expiresAt) <= this.now()) throw linkNotFound();
    return { link, album, access: { albumId: album.albumId, ownerId: album.ownerId, role: 'link', actorId: link.linkId } };
  }

  async checkPassword(link: ShareLinkRecord, password: string | undefined): Promise<void> {
    if (link.passwordHash === undefined) return;
    if (password === undefined || password === '') throw passwordProblem("This link is protected by a password: send it in the x-share-password header (or the form's password field)");
    if (!(await verifyPassword(password, link.passwordHash))) throw passwordProblem('The password is not right');
  }

  /** A page of a view link's photos, for a link already opened. */
  photos(opened: OpenedLink, limit: number, cursor?: string): Promise<AlbumPhotoPageJson> {
    if (opened.link.kind !== 'view') throw new Error('only view links list photos');
    return this.deps.albumPhotos(opened.access, limit, cursor);
  }

  /** What a holder sees: the album's name; a view link's photos page by page; a collect link's limits. */
  async view(token: string, password: string | undefined, limit: number, cursor?: string): Promise<SharedAlbumJson> {
    const { link, album, access } = await this.open(token, password);
    const base = { album: { name: album.name }, kind: link.kind, expiresAt: link.expiresAt };
    if (link.kind === 'collect') return { ...base, maxFiles: this.deps.collectLimits.maxFiles, maxFileBytes: this.deps.collectLimits.maxFileBytes };
    return { ...base, photos: await this.deps.albumPhotos(access, limit, cursor) };
  }

  private async ownerAccess(userId: string, albumId: string): Promise<AlbumAccess> {
    const access = await this.deps.access(userId, albumId);
    if (access.role !== 'owner') throw forbidden();
    return access;
  }

  private toJson(link: ShareLinkRecord, origin: string): ShareLinkJson {
    const token = this.deps.tokens.sign({ linkId: link.linkId, albumId: link.albumId, kind: link.kind, exp: Date.parse(link.expiresAt) / 1000 });
    return {
      id: link.linkId,
      kind: link.kind,
      token,
      url: `${origin}/s/${token}`,
      expiresAt: link.expiresAt,
      hasPassword: link.passwordHash !== undefined,
      ...(link.kind === 'collect' ? { uploads: link.uploads ?? 0, maxUploads: link.maxUploads ?? 0 } : {}),
      createdAt: link.createdAt,
      ...(link.revokedAt !== undefined ? { revokedAt: link.revokedAt } : {}),
    };
  }
}
