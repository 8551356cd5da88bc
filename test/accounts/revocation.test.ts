import { isRevoked, newSessionVerdict, type Revocation } from '../../src/auth/revocation.js';

const R = 1_800_000_000;
const revocation = (overrides: Partial<Revocation> = {}): Revocation => ({ revokedBefore: R, revocationId: 'rev-1', sessions: [], ...overrides });
const token = (iat: number, jti = 'jti-a', origin_jti?: string) => ({ iat, jti, ...(origin_jti ? { origin_jti } : {}) });

describe('isRevoked', () => {
  it('nothing revoked: every token passes', () => {
    expect(isRevoked(token(R), undefined)).toBe(false);
  });

  it('earlier seconds are refused, later ones pass', () => {
    expect(isRevoked(token(R - 1), revocation())).toBe(true);
    expect(isRevoked(token(R + 1), revocation())).toBe(false);
  });

  it('in the revoked second only admitted sessions pass (origin_jti names the session when Cognito sends it)', () => {
    expect(isRevoked(token(R, 'jti-a'), revocation())).toBe(true);
    expect(isRevoked(token(R, 'jti-a'), revocation({ sessions: ['jti-a'] }))).toBe(false);
    expect(isRevoked(token(R, 'jti-b', 'session-1'), revocation({ sessions: ['session-1'] }))).toBe(false);
    expect(isRevoked(token(R, 'session-1', 'session-2'), revocation({ sessions: ['session-1'] }))).toBe(true);
  });
});

describe('newSessionVerdict', () => {
  it('tokens newer than the revocation, or with none, are valid', () => {
    expect(newSessionVerdict(token(R + 1), undefined, revocation())).toBe('valid');
    expect(newSessionVerdict(token(R), undefined, undefined)).toBe('valid');
  });

  it('in the revoked second, the revocation read before issuing them proves they are newer: admit', () => {
    expect(newSessionVerdict(token(R), revocation(), revocation())).toBe('admit');
  });

  it('without that proof (not read before, another revocation since, a record without id) they are issued again', () => {
    expect(newSessionVerdict(token(R), undefined, revocation())).toBe('retry');
    expect(newSessionVerdict(token(R), revocation({ revocationId: 'rev-0' }), revocation())).toBe('retry');
    expect(newSessionVerdict(token(R), revocation({ revocationId: undefined }), revocation({ revocationId: undefined }))).toBe('retry');
  });

  it('a token from a second before the revocation is never admitted', () => {
    expect(newSessionVerdict(token(R - 1), revocation(), revocation())).toBe('retry');
  });
});
