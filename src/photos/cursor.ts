import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Opaque, tamper-proof listing cursors: `<payload>.<mac>`, where payload is the base64url of a
 * DynamoDB LastEvaluatedKey as JSON and mac the base64url HMAC-SHA256, under a server secret, of
 * the listing's scope, the user id and the payload. A cursor therefore only works for the user
 * (and the listing) it was issued to; anything else decodes to `undefined`.
 *
 * Pure: no I/O, no clock. Keys are flat maps of strings (PK, SK and the index's keys).
 */
export type CursorKey = Record<string, string>;

const MAX_CURSOR_LENGTH = 2048;
const B64URL = /^[A-Za-z0-9_-]+$/;
const MAC_BYTES = 32;

export class CursorCodec {
  constructor(private readonly secret: string) {
    if (secret.length < 32) throw new RangeError('cursor secret: at least 32 characters');
  }

  encode(scope: string, userId: string, key: CursorKey): string {
    const payload = Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
    return `${payload}.${this.mac(scope, userId, payload).toString('base64url')}`;
  }

  /** The key, or undefined for a malformed, forged or modified cursor, or one of another user or listing. */
  decode(scope: string, userId: string, cursor: string): CursorKey | undefined {
    if (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_LENGTH) return undefined;
    const parts = cursor.split('.');
    if (parts.length !== 2) return undefined;
    const [payload, macText] = parts as [string, string];
    if (!B64URL.test(payload) || !B64URL.test(macText)) return undefined;
    const given = Buffer.from(macText, 'base64url');
    // Re-encoding must give the same text: no alternative spellings of one MAC.
    if (given.length !== MAC_BYTES || given.toString('base64url') !== macText) return undefined;
    if (!timingSafeEqual(given, this.mac(scope, userId, payload))) return undefined;
    let key: unknown;
    try {
      key = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    if (!key || typeof key !== 'object' || Array.isArray(key)) return undefined;
    const entries = Object.entries(key);
    if (entries.length === 0 || entries.some(([, v]) => typeof v !== 'string')) return undefined;
    return key as CursorKey;
  }

  private mac(scope: string, userId: string, payload: string): Buffer {
    // Length-prefixed fields: ("a", "b:c") and ("a:b", "c") sign different strings.
    return createHmac('sha256', this.secret).update(`${scope.length}:${scope}\n${userId.length}:${userId}\n${payload}`).digest();
  }
}
