import { sessionId, type SessionClaims } from './revocation.js';

/**
 * A user's revocation record as one write left it. Every write of the record raises `version` by
 * one (a conditional write on the version read), so the newest state is the highest version,
 * whatever order copies of the writes reach an instance in.
 */
export interface RevocationState {
  userId: string;
  revokedBefore: number;
  revocationId: string;
  sessions: string[];
  version: number;
}

/**
 * - `accepted` / `refused`: the view decides;
 * - `ask-record`: only the record can tell: a token issued in the revoked second whose session the
 *   view does not list (its admission may not have reached this instance yet), or a token older
 *   than the window the view keeps.
 */
export type RevocationVerdict = 'accepted' | 'refused' | 'ask-record';

/**
 * Every revocation of the last `windowSeconds`, one state per user, held in memory. Pure: no I/O,
 * no clock of its own (callers pass the time), so the rules are tested directly.
 */
export class RevocationView {
  // Insertion order is roughly write order (a newer version is re-inserted), so expiry can stop early.
  private readonly byUser = new Map<string, RevocationState>();
  /**
   * Sessions of the revoked second the record itself refused, per user, at the version held: final
   * for that version (an admission always precedes the hand-out of its tokens, and raises the
   * version), so such a token costs one record read, not one per request.
   */
  private readonly refused = new Map<string, Set<string>>();

  constructor(readonly windowSeconds: number) {}

  get size(): number {
    return this.byUser.size;
  }

  /** Takes a state unless it is older than the one held or has left the window; true when it changed the view. */
  apply(state: RevocationState, nowSeconds: number): boolean {
    if (state.revokedBefore < nowSeconds - this.windowSeconds) return false;
    const held = this.byUser.get(state.userId);
    if (held && held.version >= state.version) return false;
    this.byUser.delete(state.userId);
    this.byUser.set(state.userId, state);
    this.refused.delete(state.userId);
    return true;
  }

  /** The record, at `version`, refused this token of the revoked second (see `refused`). */
  noteRefused(claims: SessionClaims & { sub: string }, version: number): void {
    const state = this.byUser.get(claims.sub);
    if (state?.version !== version || claims.iat !== state.revokedBefore) return;
    const sessions = this.refused.get(claims.sub) ?? new Set<string>();
    sessions.add(sessionId(claims));
    this.refused.set(claims.sub, sessions);
  }

  /**
   * Forgets revocations that left the window. Only memory is at stake: a token issued after such a
   * revocation passes it anyway, and older tokens are never decided by the view (verdict).
   */
  expire(nowSeconds: number): void {
    const oldest = nowSeconds - this.windowSeconds;
    for (const [userId, state] of this.byUser) {
      if (state.revokedBefore >= oldest) break;
      this.byUser.delete(userId);
      this.refused.delete(userId);
    }
  }

  verdict(claims: SessionClaims & { sub: string }, nowSeconds: number): RevocationVerdict {
    // A revocation that could refuse this token may already have left the window.
    if (claims.iat < nowSeconds - this.windowSeconds) return 'ask-record';
    const state = this.byUser.get(claims.sub);
    if (!state || claims.iat > state.revokedBefore) return 'accepted';
    if (claims.iat < state.revokedBefore) return 'refused';
    const session = sessionId(claims);
    if (state.sessions.includes(session)) return 'accepted';
    return this.refused.get(claims.sub)?.has(session) ? 'refused' : 'ask-record';
  }

  get(userId: string): RevocationState | undefined {
    return this.byUser.get(userId);
  }
}
