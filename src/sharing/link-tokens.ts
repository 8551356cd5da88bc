import type { JWT } from '@fastify/jwt';
import { ID_PATTERN } from '../albums/ids.js';

/** What a share link token says: which link of which album, and what it lets its holder do. */
export interface LinkClaims {
  linkId: string;
  albumId: string;
  kind: LinkKind;
  /** Epoch seconds: the link's expiry. */
  exp: number;
}

export type LinkKind = 'view' | 'collect';

/** The payload as signed: short names, since the token travels in a URL path. */
interface Payload {
  l: string;
  a: string;
  k: 'v' | 'c';
  exp: number;
}

const KINDS = { v: 'view', c: 'collect' } as const;
/** Tokens are a few hundred characters; anything much longer is not one of ours and is not even decoded. */
export const MAX_TOKEN_LENGTH = 1024;

export interface LinkTokensOptions {
  /** @fastify/jwt's decorator (its namespace for share links): HS256 signing and verification. */
  jwt: Pick<JWT, 'sign' | 'verify' | 'decode'>;
  /** kid -> HMAC secret. Every key listed verifies; `signingKeyId` signs. */
  keys: Record<string, string>;
  signingKeyId: string;
  /** Epoch milliseconds; tests move time with it. */
  now?: () => number;
}

/**
 * Share link tokens: JWTs (HS256) whose `kid` header names the key that signed them, so keys rotate without
 * breaking links: a new key is added and made the signing one, tokens of the old one verify until it is
 * removed from the configuration. A token carries the link and album ids, the kind and the link's expiry
 * (`exp`); the link item is still read on every request (revocation, the album's existence): a valid token
 * alone opens nothing.
 */
export class LinkTokens {
  private readonly now: () => number;

  constructor(private readonly options: LinkTokensOptions) {
    this.now = options.now ?? Date.now;
    const secret = options.keys[options.signingKeyId];
    if (secret === undefined) throw new Error(`share link signing key ${options.signingKeyId} is not among the configured keys`);
    for (const [kid, key] of Object.entries(options.keys)) if (key.length < 32) throw new Error(`share link key ${kid}: at least 32 characters`);
  }

  sign(claims: LinkClaims): string {
    const { jwt, keys, signingKeyId } = this.options;
    const payload: Payload = { l: claims.linkId, a: claims.albumId, k: claims.kind === 'view' ? 'v' : 'c', exp: claims.exp };
    // No iat: the token's life is the link's, and a shorter token is a shorter URL.
    return jwt.sign(payload, { key: keys[signingKeyId], algorithm: 'HS256', kid: signingKeyId, noTimestamp: true });
  }

  /**
   * The claims of a token we signed with a key still configured, before its expiry; undefined for anything
   * else (malformed, another key or algorithm, `alg: none`, an unknown or removed kid, a changed payload,
   * expired). Which check failed is not told: every caller answers the same 404.
   */
  verify(token: string): LinkClaims | undefined {
    if (token.length > MAX_TOKEN_LENGTH) return undefined;
    const { jwt, keys } = this.options;
    let header: { alg?: unknown; kid?: unknown };
    try {
      header = (jwt.decode(token, { complete: true }) as { header: { alg?: unknown; kid?: unknown } }).header;
    } catch {
      return undefined;
    }
    if (header.alg !== 'HS256' || typeof header.kid !== 'string' || !Object.hasOwn(keys, header.kid)) return undefined;
    let payload: Partial<Payload>;
    try {
      payload = jwt.verify(token, {
        key: keys[header.kid],
        algorithms: ['HS256'],
        requiredClaims: ['exp', 'l', 'a', 'k'],
        clockTimestamp: this.now(),
      }) as Partial<Payload>;
    } catch {
      return undefined;
    }
    const { l, a, k, exp } = payload;
    if (typeof l !== 'string' || typeof a !== 'string' || !ID_PATTERN.test(l) || !ID_PATTERN.test(a)) return undefined;
    if ((k !== 'v' && k !== 'c') || typeof exp !== 'number') return undefined;
    return { linkId: l, albumId: a, kind: KINDS[k], exp };
  }
}
