import { RevocationView, type RevocationState } from '../../src/auth/revocation-view.js';

const R = 1_800_000_000;
const WINDOW = 3600;
const state = (overrides: Partial<RevocationState> = {}): RevocationState => ({
  userId: 'user-1',
  revokedBefore: R,
  revocationId: 'rev-1',
  sessions: [],
  version: 1,
  ...overrides,
});
const token = (iat: number, sub = 'user-1', jti = 'jti-a', origin_jti?: string) => ({ sub, iat, jti, ...(origin_jti ? { origin_jti } : {}) });

describe('RevocationView: applying feed entries', () => {
  it('the highest version wins, whatever order the entries arrive in', () => {
    const revoke = state({ version: 1 });
    const admit = state({ version: 2, sessions: ['session-1'] });
    const again = state({ version: 3, revocationId: 'rev-2', sessions: [] });

    const inOrder = new RevocationView(WINDOW);
    for (const entry of [revoke, admit, again]) inOrder.apply(entry, R);
    const shuffled = new RevocationView(WINDOW);
    for (const entry of [again, revoke, admit, admit]) shuffled.apply(entry, R);

    for (const view of [inOrder, shuffled]) {
      expect(view.get('user-1')).toEqual(again);
      // The second revocation in the same second drops the first one's admissions.
      expect(view.verdict(token(R, 'user-1', 'x', 'session-1'), R)).toBe('ask-record');
    }
  });

  it('an older or repeated version changes nothing (and says so)', () => {
    const view = new RevocationView(WINDOW);
    expect(view.apply(state({ version: 2 }), R)).toBe(true);
    expect(view.apply(state({ version: 2, sessions: ['other'] }), R)).toBe(false);
    expect(view.apply(state({ version: 1, revokedBefore: R + 5 }), R)).toBe(false);
    expect(view.get('user-1')?.revokedBefore).toBe(R);
  });

  it('an entry that already left the window is not taken', () => {
    const view = new RevocationView(WINDOW);
    expect(view.apply(state({ revokedBefore: R - WINDOW - 1 }), R)).toBe(false);
    expect(view.apply(state({ revokedBefore: R - WINDOW }), R)).toBe(true);
    expect(view.size).toBe(1);
  });
});

describe('RevocationView: verdicts', () => {
  const view = new RevocationView(WINDOW);
  view.apply(state({ sessions: ['jti-ok', 'session-ok'] }), R);

  it('users without a revocation pass', () => {
    expect(view.verdict(token(R - 10, 'user-2'), R)).toBe('accepted');
  });

  it('tokens from before the revoked second are refused, later ones accepted', () => {
    expect(view.verdict(token(R - 1), R + 1)).toBe('refused');
    expect(view.verdict(token(R + 1), R + 1)).toBe('accepted');
  });

  it('in the revoked second, admitted sessions pass and the record decides for any other', () => {
    expect(view.verdict(token(R, 'user-1', 'jti-ok'), R)).toBe('accepted');
    expect(view.verdict(token(R, 'user-1', 'jti-b', 'session-ok'), R)).toBe('accepted');
    // Its admission may still be on its way to this instance.
    expect(view.verdict(token(R, 'user-1', 'jti-new'), R)).toBe('ask-record');
  });

  it('a refusal the record gave in the revoked second is kept for that version only (an admission raises it)', () => {
    const own = new RevocationView(WINDOW);
    own.apply(state({ version: 4 }), R);
    const stolen = token(R, 'user-1', 'jti-before-logout');
    own.noteRefused(stolen, 3); // read from an older record: ignored
    expect(own.verdict(stolen, R)).toBe('ask-record');
    own.noteRefused(stolen, 4);
    expect(own.verdict(stolen, R)).toBe('refused');
    expect(own.verdict(token(R, 'user-1', 'jti-other'), R)).toBe('ask-record');
    own.apply(state({ version: 5, sessions: ['jti-new'] }), R);
    expect(own.verdict(stolen, R)).toBe('ask-record');
  });

  it('a token older than the window is decided by the record (its revocation may have been forgotten)', () => {
    expect(view.verdict(token(R + 1 - WINDOW - 1, 'user-2'), R + 1)).toBe('ask-record');
    expect(view.verdict(token(R + 1 - WINDOW, 'user-2'), R + 1)).toBe('accepted');
  });
});

describe('RevocationView: expiry', () => {
  it('forgets revocations that left the window and keeps the others', () => {
    const view = new RevocationView(WINDOW);
    view.apply(state({ userId: 'old', revokedBefore: R }), R);
    view.apply(state({ userId: 'new', revokedBefore: R + 100 }), R + 100);

    view.expire(R + WINDOW);
    expect(view.size).toBe(2);
    view.expire(R + WINDOW + 1);
    expect(view.get('old')).toBeUndefined();
    expect(view.get('new')).toBeDefined();
    // What expiry forgot cannot matter: tokens older than the window are no longer decided by the view.
    expect(view.verdict(token(R - 1, 'old'), R + WINDOW + 1)).toBe('ask-record');
  });

  it('a newer version of a user moves behind younger entries, so expiry keeps it', () => {
    const view = new RevocationView(WINDOW);
    view.apply(state({ userId: 'a', revokedBefore: R }), R);
    view.apply(state({ userId: 'b', revokedBefore: R + 10 }), R + 10);
    view.apply(state({ userId: 'a', revokedBefore: R + 20, version: 2 }), R + 20);
    view.expire(R + 10 + WINDOW + 1);
    expect(view.get('b')).toBeUndefined();
    expect(view.get('a')?.version).toBe(2);
  });
});
