import {
  abilitiesOf,
  addedByLabel,
  albumNameError,
  canRemovePhoto,
  chunk,
  describeBatch,
  describeLink,
  describeLinkState,
  emailError,
  linkPasswordError,
  linkState,
  photoCount,
  readMaxUploads,
  sortLinks,
} from '../../src/core/album-rules';
import { canInvite, otherMembers, seatsLeft } from '../../src/core/family';
import type { AlbumPhoto, BatchResult, Family, ShareLink } from '../../src/core/sharing-types';
import { samplePhoto } from '../helpers/render-app';

const NOW = Date.parse('2026-12-01T12:00:00.000Z');
const link = (overrides: Partial<ShareLink>): ShareLink => ({ id: 'l', kind: 'view', token: 't', url: 'http://x.test/s/t', hasPassword: false, expiresAt: '2027-01-01T00:00:00.000Z', createdAt: '2026-11-30T12:00:00.000Z', ...overrides });
const photoBy = (userId: string | undefined, extra: Partial<AlbumPhoto['addedBy']> = {}): AlbumPhoto => ({ ...samplePhoto(), addedAt: '2026-11-30T12:00:00.000Z', addedBy: { userId, name: 'Grace', guest: false, ...extra } });

test('batches of at most 200 ids, in order', () => {
  const ids = Array.from({ length: 401 }, (_, i) => `p${i}`);
  const batches = chunk(ids);
  expect(batches.map((b) => b.length)).toEqual([200, 200, 1]);
  expect(batches.flat()).toEqual(ids);
  expect(chunk([])).toEqual([]);
});

test('each role may do what docs/sharing.md says, and no more', () => {
  expect(abilitiesOf('owner')).toEqual({ manage: true, addPhotos: true, share: true, leave: false });
  expect(abilitiesOf('contributor')).toEqual({ manage: false, addPhotos: true, share: false, leave: true });
  expect(abilitiesOf('viewer')).toEqual({ manage: false, addPhotos: false, share: false, leave: true });
});

test('the owner removes any photo, a contributor only their own, a viewer none', () => {
  const mine = photoBy('me');
  const theirs = photoBy('them');
  const guest = photoBy(undefined, { guest: true });
  expect([mine, theirs, guest].map((p) => canRemovePhoto('owner', p, 'me'))).toEqual([true, true, true]);
  expect([mine, theirs, guest].map((p) => canRemovePhoto('contributor', p, 'me'))).toEqual([true, false, false]);
  expect([mine, theirs, guest].map((p) => canRemovePhoto('viewer', p, 'me'))).toEqual([false, false, false]);
});

test('a tile names who added the photo unless it was me; a guest is marked', () => {
  expect(addedByLabel(photoBy('me'), 'me')).toBeUndefined();
  expect(addedByLabel(photoBy('them'), 'me')).toBe('Grace');
  expect(addedByLabel(photoBy(undefined, { guest: true, name: 'Sam' }), 'me')).toBe('Guest: Sam');
  expect(addedByLabel(photoBy(undefined, { guest: true, name: '  ' }), 'me')).toBe('Guest: a guest');
});

test('a batch result says what was done and what was not', () => {
  const results: BatchResult[] = [
    { photoId: 'a', result: 'added' },
    { photoId: 'b', result: 'added' },
    { photoId: 'c', result: 'already' },
    { photoId: 'd', result: 'notFound' },
    { photoId: 'e', result: 'notReady' },
  ];
  expect(describeBatch(results, 'added')).toEqual({
    text: '2 photos added, 1 already in the album, 1 photo is not ready (still processing or in the trash), 1 photo was not found in your library',
    complete: false,
  });
  expect(describeBatch([{ photoId: 'a', result: 'added' }, { photoId: 'b', result: 'already' }], 'added')).toEqual({ text: '1 photo added, 1 already in the album', complete: true });
  expect(describeBatch([{ photoId: 'a', result: 'removed' }, { photoId: 'b', result: 'notFound' }], 'removed')).toEqual({ text: '1 photo removed, 1 not in the album', complete: true });
  expect(describeBatch([{ photoId: 'a', result: 'forbidden' }, { photoId: 'b', result: 'forbidden' }], 'removed')).toEqual({ text: '0 photos removed, 2 photos were added by someone else', complete: false });
});

test('a link is revoked, expired or active, and says when it ends', () => {
  expect(linkState(link({ revokedAt: '2026-12-01T00:00:00.000Z', expiresAt: '2026-11-01T00:00:00.000Z' }), NOW)).toBe('revoked');
  expect(linkState(link({ expiresAt: '2026-12-01T11:59:59.000Z' }), NOW)).toBe('expired');
  expect(linkState(link({}), NOW)).toBe('active');
  expect(describeLinkState(link({ expiresAt: '2026-12-08T12:00:00.000Z' }), NOW)).toBe('Expires in 7 days');
  expect(describeLinkState(link({ expiresAt: '2026-12-08T11:58:00.000Z' }), NOW)).toBe('Expires in 7 days'); // read two minutes after it was made
  expect(describeLinkState(link({ expiresAt: '2026-12-02T11:00:00.000Z' }), NOW)).toBe('Expires in 23 hours');
  expect(describeLinkState(link({ expiresAt: '2026-12-02T13:00:00.000Z' }), NOW)).toBe('Expires in 1 day');
  expect(describeLinkState(link({ expiresAt: '2026-12-01T12:30:00.000Z' }), NOW)).toBe('Expires in less than an hour');
  expect(describeLinkState(link({ expiresAt: '2026-12-01T11:00:00.000Z' }), NOW)).toBe('Expired');
  expect(describeLink(link({ kind: 'collect', hasPassword: true, uploads: 3, maxUploads: 50 }))).toBe('Guests can add photos · password · 3 of 50 uploads');
  expect(describeLink(link({ kind: 'view' }))).toBe('Anyone with the link can view');
});

test('links in use come first, newest first; ended ones after', () => {
  const sorted = sortLinks(
    [
      link({ id: 'old', createdAt: '2026-11-01T00:00:00.000Z' }),
      link({ id: 'revoked', createdAt: '2026-11-30T00:00:00.000Z', revokedAt: '2026-11-30T01:00:00.000Z' }),
      link({ id: 'new', createdAt: '2026-11-29T00:00:00.000Z' }),
    ],
    NOW,
  );
  expect(sorted.map((l) => l.id)).toEqual(['new', 'old', 'revoked']);
});

test('names, emails and counts as the forms check and show them', () => {
  expect(albumNameError('  ')).toBe('Enter a name for the album');
  expect(albumNameError('x'.repeat(201))).toBe('Use at most 200 characters');
  expect(linkPasswordError('')).toBeUndefined();
  expect(linkPasswordError('short')).toBe('Use at least 8 characters, or leave it empty');
  expect(linkPasswordError('long enough')).toBeUndefined();
  expect(albumNameError(' Summer ')).toBeUndefined();
  expect(emailError('')).toBe('Enter an email address');
  expect(emailError('grace@')).toMatch(/like name@example.com/);
  expect(emailError(' grace@example.com ')).toBeUndefined();
  expect([0, 1, 12].map(photoCount)).toEqual(['No photos', '1 photo', '12 photos']);
});

test('the collect limit field: empty leaves the default, a whole number from 1 to 1000 is taken, anything else says why', () => {
  expect(readMaxUploads('')).toEqual({});
  expect(readMaxUploads('  ')).toEqual({});
  expect(readMaxUploads('1')).toEqual({ value: 1 });
  expect(readMaxUploads(' 50 ')).toEqual({ value: 50 });
  expect(readMaxUploads('1000')).toEqual({ value: 1000 });
  for (const text of ['abc', '12 photos', '2.5', '1e3', '0x10']) expect(readMaxUploads(text)).toEqual({ error: 'Enter a whole number of photos, or leave it empty for 200' });
  for (const text of ['0', '-3']) expect(readMaxUploads(text)).toEqual({ error: 'Allow at least 1 photo, or leave it empty for 200' });
  for (const text of ['1001', '99999']) expect(readMaxUploads(text)).toEqual({ error: 'Allow at most 1000 photos' });
});

test('family seats count members and unexpired invites; only the organiser (or someone without a family) invites', () => {
  const family: Family = {
    id: 'f',
    organiserId: 'org',
    members: [
      { userId: 'org', email: 'o@x.test', role: 'organiser', joinedAt: '2026-11-01T00:00:00.000Z' },
      { userId: 'me', email: 'm@x.test', role: 'member', joinedAt: '2026-11-02T00:00:00.000Z' },
    ],
    invites: [
      { id: 'i1', email: 'a@x.test', invitedAt: '2026-11-30T00:00:00.000Z', expiresAt: '2026-12-14T00:00:00.000Z' },
      { id: 'i2', email: 'b@x.test', invitedAt: '2026-11-01T00:00:00.000Z', expiresAt: '2026-11-15T00:00:00.000Z' },
    ],
  };
  expect(seatsLeft(family, NOW)).toBe(3);
  expect(seatsLeft(null, NOW)).toBe(5);
  expect(canInvite(family, 'org')).toBe(true);
  expect(canInvite(family, 'me')).toBe(false);
  expect(canInvite(null, 'me')).toBe(true);
  expect(otherMembers(family, 'me').map((m) => m.userId)).toEqual(['org']);
  expect(otherMembers(null, 'me')).toEqual([]);
});
