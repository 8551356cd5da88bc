import { createHash, randomBytes } from 'node:crypto';
import type autocannon from 'autocannon';
import type { SeededUser } from './seed.js';

/**
 * The mobile mix as autocannon requests. Each autocannon connection is one phone of one user (users in turn):
 * it opens the timeline (GET /v1/photos?limit=60) and follows its cursor for the next pages, opens photos
 * (GET /v1/photos/{id}), reads the account (GET /v1/me), and now and then sends an upload batch (POST /v1/uploads
 * of 1-5 new photos) and, as its next request, that batch's POST /v1/uploads/complete. The bench does not PUT the
 * bytes (they go to S3, not to the API), so complete answers `missing` for them after the same checks.
 */
export const MIX = { timeline: 0.42, detail: 0.4, me: 0.15, upload: 0.03 } as const;
export type Kind = keyof typeof MIX | 'complete';

interface PhoneContext {
  user?: number;
  cursor?: string | null;
  pending?: string[];
  kind?: Kind;
}

export interface MixTally {
  sent: Record<Kind, number>;
  /** Non-2xx answers without a Retry-After header (the target: every non-2xx is a 503/429 with one). */
  non2xxWithoutRetryAfter: number;
  /** Status code -> count, by request kind. */
  statusByKind: Record<string, Record<string, number>>;
}

/**
 * autocannon resets a connection's context when it wraps around its `requests` list: the list must outlast a
 * run (200 steps at one request a second per connection: 200 s) to keep each phone's state (user, cursor,
 * pending upload). Not much longer: with 10,000 steps autocannon took ~25 s to set up 2,300 connections before
 * the first one even connected, and the requests it had built meanwhile counted as waits of 25 s and timeouts.
 */
const STEPS = 200;

export function mobileMix(users: SeededUser[]): { requests: autocannon.Request[]; tally: MixTally } {
  const tally: MixTally = {
    sent: { timeline: 0, detail: 0, me: 0, upload: 0, complete: 0 },
    non2xxWithoutRetryAfter: 0,
    statusByKind: {},
  };
  let nextUser = 0;
  let sequence = 0;
  let draw = 0;
  // A fixed, evenly spread sequence of kinds (golden-ratio steps), so short runs get the same proportions.
  const pick = (): keyof typeof MIX => {
    draw = (draw + 0.6180339887) % 1;
    let sum = 0;
    for (const [kind, share] of Object.entries(MIX) as [keyof typeof MIX, number][]) {
      sum += share;
      if (draw < sum) return kind;
    }
    return 'me';
  };

  const setupRequest = (request: autocannon.Request, context: PhoneContext): autocannon.Request => {
    context.user ??= nextUser++ % users.length;
    const user = users[context.user]!;
    // The request id carries when the request was built: the API's log then tells how long it took to be read.
    const headers: Record<string, string> = { authorization: `Bearer ${user.accessToken}`, accept: 'application/json', 'x-request-id': `mix.${Date.now()}.${sequence++}` };
    let kind: Kind;
    let out: Partial<autocannon.Request>;
    if (context.pending?.length) {
      kind = 'complete';
      out = { method: 'POST', path: '/v1/uploads/complete', body: JSON.stringify({ items: context.pending.map((photoId) => ({ photoId })) }) };
      context.pending = undefined;
    } else {
      kind = pick();
      if (kind === 'timeline') {
        const cursor = context.cursor ? `&cursor=${encodeURIComponent(context.cursor)}` : '';
        out = { method: 'GET', path: `/v1/photos?limit=60${cursor}` };
      } else if (kind === 'detail') {
        const id = user.photoIds[Math.floor(Math.random() * user.photoIds.length)]!;
        out = { method: 'GET', path: `/v1/photos/${id}` };
      } else if (kind === 'me') {
        out = { method: 'GET', path: '/v1/me' };
      } else {
        const items = Array.from({ length: 1 + Math.floor(Math.random() * 5) }, (_, i) => {
          const sha256 = createHash('sha256').update(randomBytes(16)).digest('base64');
          return { clientRef: `c${i}`, filename: `IMG_${i}.jpg`, contentType: 'image/jpeg', size: 1_000_000 + Math.floor(Math.random() * 3_000_000), sha256 };
        });
        out = { method: 'POST', path: '/v1/uploads', body: JSON.stringify({ items }) };
      }
    }
    if (out.body) headers['content-type'] = 'application/json';
    context.kind = kind;
    tally.sent[kind]++;
    return { ...request, ...out, headers };
  };

  const onResponse = (status: number, body: string, context: PhoneContext, headers?: Record<string, string | string[]>) => {
    const kind = context.kind ?? 'me';
    const byKind = (tally.statusByKind[kind] ??= {});
    byKind[status] = (byKind[status] ?? 0) + 1;
    if (status >= 300 && !Object.keys(headers ?? {}).some((name) => name.toLowerCase() === 'retry-after')) tally.non2xxWithoutRetryAfter++;
    if (status !== 200) return;
    if (kind === 'timeline') {
      // The next page's cursor; after the last page the phone starts at the top again (a refresh).
      context.cursor = /"nextCursor":"([^"]+)"/.exec(body)?.[1] ?? null;
    } else if (kind === 'upload') {
      const ids = [...body.matchAll(/"status":"upload","photoId":"([^"]+)"/g)].map((m) => m[1]!);
      if (ids.length > 0) context.pending = ids;
    }
  };

  const requests = Array.from({ length: STEPS }, () => ({ setupRequest, onResponse }) as unknown as autocannon.Request);
  return { requests, tally };
}
