import { decideInvite, decideRemoval, FAMILY_MAX_MEMBERS, inviteExpiry, isLive, type FamilyInviteRecord, type FamilyMemberRecord, type FamilyState } from '../../src/family/rules.js';

const now = new Date('2026-12-01T12:00:00.000Z');
const DAY = 24 * 3600 * 1000;

const member = (userId: string, role: FamilyMemberRecord['role'] = 'member'): FamilyMemberRecord => ({
  familyId: 'f',
  userId,
  email: `${userId}@Example.com`,
  role,
  joinedAt: now.toISOString(),
});
const invite = (email: string, daysLeft: number): FamilyInviteRecord => ({
  familyId: 'f',
  inviteId: `i-${email}`,
  email,
  invitedAt: new Date(now.getTime() - (14 - daysLeft) * DAY).toISOString(),
  expiresAt: new Date(now.getTime() + daysLeft * DAY).toISOString(),
});
function family(memberIds: string[], invites: FamilyInviteRecord[] = []): FamilyState {
  const members = memberIds.map((id, n) => member(id, n === 0 ? 'organiser' : 'member'));
  return { head: { familyId: 'f', organiserId: memberIds[0]!, createdAt: now.toISOString(), seats: members.length + invites.length, memberCount: members.length }, members, invites };
}

describe('family rules', () => {
  it('an invite lives 14 days; at its expiry instant it is over', () => {
    const expiresAt = inviteExpiry(now);
    expect(expiresAt).toBe('2026-12-15T12:00:00.000Z');
    expect(isLive({ expiresAt }, new Date(now.getTime() + 14 * DAY - 1))).toBe(true);
    expect(isLive({ expiresAt }, new Date(now.getTime() + 14 * DAY))).toBe(false);
  });

  it('only the organiser invites; a member\'s address (any case) is a conflict; a pending one is returned as it is', () => {
    const state = family(['org', 'm1'], [invite('p@example.com', 3)]);
    expect(decideInvite(state, 'm1', 'x@example.com', now)).toEqual({ kind: 'forbidden' });
    expect(decideInvite(state, 'org', 'M1@EXAMPLE.COM', now)).toEqual({ kind: 'already-member' });
    expect(decideInvite(state, 'org', 'org@example.com', now)).toEqual({ kind: 'already-member' });
    expect(decideInvite(state, 'org', ' P@Example.com ', now)).toEqual({ kind: 'existing', invite: state.invites[0] });
    expect(decideInvite(state, 'org', 'new@example.com', now)).toEqual({ kind: 'invite', reclaim: [], seatLimit: FAMILY_MAX_MEMBERS - 1 });
  });

  it(`${FAMILY_MAX_MEMBERS} seats: members and live invites count, expired invites are reclaimed by the next invite`, () => {
    const live = [1, 2, 3].map((n) => invite(`l${n}@example.com`, 5));
    expect(decideInvite(family(['org', 'm1', 'm2'], live), 'org', 'x@example.com', now)).toEqual({ kind: 'full' });
    expect(decideInvite(family(['org', 'm1', 'm2', 'm3', 'm4', 'm5']), 'org', 'x@example.com', now)).toEqual({ kind: 'full' });
    const expired = [invite('e1@example.com', -1), invite('e2@example.com', 0)];
    const state = family(['org', 'm1'], [...live, ...expired]);
    // 2 members + 3 live = 5: one seat left; the two expired ones go in the same transaction.
    expect(decideInvite(state, 'org', 'x@example.com', now)).toEqual({ kind: 'invite', reclaim: expired, seatLimit: FAMILY_MAX_MEMBERS - 1 + 2 });
    // An expired invite of the same address is replaced, not returned.
    expect(decideInvite(state, 'org', 'e1@example.com', now)).toMatchObject({ kind: 'invite', reclaim: expired });
  });

  it('removal: the organiser removes anyone, a member only themself, the organiser leaves only alone', () => {
    const state = family(['org', 'm1', 'm2']);
    expect(decideRemoval(state, 'org', 'm1')).toEqual({ kind: 'remove', member: state.members[1] });
    expect(decideRemoval(state, 'm1', 'm1')).toEqual({ kind: 'remove', member: state.members[1] });
    expect(decideRemoval(state, 'm1', 'm2')).toEqual({ kind: 'forbidden' });
    expect(decideRemoval(state, 'm1', 'org')).toEqual({ kind: 'forbidden' });
    expect(decideRemoval(state, 'org', 'org')).toEqual({ kind: 'organiser-not-alone' });
    expect(decideRemoval(state, 'org', 'stranger')).toEqual({ kind: 'not-found' });
    expect(decideRemoval(family(['org'], [invite('p@example.com', 3)]), 'org', 'org')).toEqual({ kind: 'dissolve' });
  });
});
