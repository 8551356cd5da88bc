import { createHmac } from 'node:crypto';
import { registerSecret } from '../helpers/log-capture.js';
import type { ApiClient } from '../helpers/accounts.js';
import { uploadPhoto } from '../helpers/photos.js';
import { jpeg, settled } from '../helpers/uploads.js';

/** Share link keys the test apps are configured with (SHARE_LINK_KEYS), so tests can forge tokens with them or others. */
export const KEYS = {
  k1: 'share-link-test-key-one-0123456789abcdef',
  k2: 'share-link-test-key-two-0123456789abcdef',
};
export const keysEnv = (keys: Partial<typeof KEYS>, active: keyof typeof KEYS) => ({ SHARE_LINK_KEYS: JSON.stringify(keys), SHARE_LINK_KEY_ID: active });

export interface ShareLink {
  id: string;
  kind: 'view' | 'collect';
  token: string;
  url: string;
  expiresAt: string;
  hasPassword: boolean;
  uploads?: number;
  maxUploads?: number;
  createdAt: string;
  revokedAt?: string;
}

export interface SharedAlbum {
  album: { name: string };
  kind: string;
  expiresAt: string;
  photos?: { items: { id: string; filename: string; addedBy: { name: string; guest: boolean; userId?: string }; urls: Record<string, string | undefined> }[]; nextCursor: string | null };
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
}

export async function createAlbum(api: ApiClient, token: string, name: string): Promise<string> {
  const created = await api.post<{ id: string }>('/v1/albums', { name }, token);
  if (created.status !== 201) throw new Error(`album: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body.id;
}

export async function addToAlbum(api: ApiClient, token: string, albumId: string, photoIds: string[]): Promise<void> {
  const added = await api.post<{ results: { result: string }[] }>(`/v1/albums/${albumId}/photos`, { photoIds }, token);
  if (added.status !== 200 || added.body.results.some((r) => r.result !== 'added')) throw new Error(`add: ${added.status} ${JSON.stringify(added.body)}`);
}

/** Uploads `count` distinct small JPEGs and waits until they are ready; their ids and sizes. */
export async function readyPhotos(api: ApiClient, token: string, seeds: number[]): Promise<{ id: string; size: number }[]> {
  const uploaded = await Promise.all(seeds.map(async (seed) => uploadPhoto(api, token, await jpeg(seed))));
  const states = await settled(api, token, uploaded.map((u) => u.photoId));
  for (const u of uploaded) if (states[u.photoId]!.status !== 'ready') throw new Error(`photo ${u.photoId} is ${states[u.photoId]!.status}`);
  return uploaded.map((u) => ({ id: u.photoId, size: u.size }));
}

/** POST /v1/albums/{id}/links; the token and any password are registered for the log audit. */
export async function createLink(api: ApiClient, token: string, albumId: string, body: Record<string, unknown>) {
  const created = await api.post<ShareLink & Problem>(`/v1/albums/${albumId}/links`, body, token);
  if (typeof body.password === 'string') registerSecret('share link password', body.password);
  if (created.status === 201) registerSecret('share link token', created.body.token);
  return created;
}

/** GET /v1/shared/{token}, optionally with the link's password. */
export async function openLink(baseUrl: string, token: string, options: { password?: string; query?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.password !== undefined) headers['x-share-password'] = options.password;
  const response = await fetch(`${baseUrl}/v1/shared/${encodeURIComponent(token)}${options.query ?? ''}`, { headers });
  const body = (await response.json()) as SharedAlbum & Problem;
  return { status: response.status, headers: response.headers, body };
}

const b64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** An HS256 JWT signed with any secret (or unsigned for `alg: none`). */
export function forge(header: Record<string, unknown>, payload: Record<string, unknown>, secret?: string): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  if (secret === undefined) return `${input}.`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

export function decodeToken(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>);
  return { header: header!, payload: payload! };
}
