import { createHash } from 'node:crypto';

/** What a GSI2 due entry asks the sweepers to do; see docs/data-model.md. */
export type DueKind = 'UPLOAD' | 'PURGE' | 'PROCESS' | 'OBJECTS';

/**
 * Emails appear in keys only hashed (the same normalisation as sign-up: trimmed, lower case), so a key
 * in a log or a metric never carries an address.
 */
export const emailDigest = (email: string) => createHash('sha256').update(email.trim().toLowerCase()).digest('hex');

/** Epoch milliseconds, fixed width so that sort keys order like the times. */
const feedTime = (ms: number) => String(Math.max(0, Math.floor(ms))).padStart(15, '0');

/**
 * Every item key of the single table, in one place: each access pattern in docs/data-model.md
 * maps to one of these builders. Prefixes keep entities apart inside a partition.
 */
export const keys = {
  /** A user's profile: created once when the account is confirmed. */
  profile: (userId: string) => ({ PK: `USER#${userId}`, SK: 'PROFILE' }),
  /** Tokens authenticated at or before `revokedBefore` are refused (logout, password reset). */
  tokenRevocation: (userId: string) => ({ PK: `USER#${userId}`, SK: 'REVOCATION' }),
  /**
   * The revocation feed (src/data/revocation-feed.ts): a copy of every write of a revocation record,
   * by hour bucket (and shard), sorted by write time, which every instance queries once a second
   * for the entries written since its last query.
   */
  revocationFeedPartition: (bucketStart: number, shard: number) => ({ PK: `REVOCATIONS#${bucketStart}#${shard}` }),
  revocationFeedEntry: (bucketStart: number, shard: number, writtenAtMs: number, userId: string, version: number) => ({
    PK: `REVOCATIONS#${bucketStart}#${shard}`,
    SK: `${feedTime(writtenAtMs)}#${userId}#${version}`,
  }),
  /** Sort keys above this one were written at or after `writtenAtMs`. */
  revocationFeedSince: (writtenAtMs: number) => feedTime(writtenAtMs),
  /** Attempts counted per subject (e.g. a hashed email) and fixed time window. */
  rateLimit: (scope: string, subject: string, windowStart: number) => ({
    PK: `RATELIMIT#${scope}#${subject}`,
    SK: `WINDOW#${windowStart}`,
  }),
  /**
   * A photo. Its id is derived from the user and the content hash (photoIdFor), so the item key is
   * the dedup guard: a second upload of the same bytes hits the same item, race-free.
   */
  photo: (userId: string, photoId: string) => ({ PK: `USER#${userId}`, SK: `PHOTO#${photoId}` }),
  /** GSI1: a user's ready photos by taken-at (timeline), or trashed photos by trashed-at. */
  timeline: (userId: string, takenAt: string, photoId: string) => ({ GSI1PK: `TIMELINE#${userId}`, GSI1SK: `${takenAt}#${photoId}` }),
  trash: (userId: string, trashedAt: string, photoId: string) => ({ GSI1PK: `TRASH#${userId}`, GSI1SK: `${trashedAt}#${photoId}` }),
  /**
   * GSI2: work for the sweepers, by due time (uploads whose URL expired, trash older than 30 days,
   * photos whose processing or PhotoUploaded event is overdue).
   */
  due: (kind: DueKind, dueAt: string, userId: string, photoId: string) => ({
    GSI2PK: `DUE#${kind}`,
    GSI2SK: `${dueAt}#${userId}#${photoId}`,
  }),
  /**
   * Objects of a deleted or rejected photo that must go (src/data/deletions.ts): written in the same
   * transaction as the record's deletion, kept until no upload URL of the photo can write any more.
   */
  tombstone: (userId: string, photoId: string) => ({ PK: `USER#${userId}`, SK: `TOMBSTONE#${photoId}` }),
  /** An account being deleted: the deletion job's durable to-do, until its last sweep of the user's prefix. */
  accountDeletion: (userId: string) => ({ PK: `USER#${userId}`, SK: 'DELETION' }),
  /** GSI2: account deletions whose job is due (first run lost, or the late re-sweep). */
  accountDue: (dueAt: string, userId: string) => ({ GSI2PK: 'DUE#ACCOUNT', GSI2SK: `${dueAt}#${userId}` }),
  /** The account registered with an email (sharing by email): written with the profile. */
  accountByEmail: (email: string) => ({ PK: `EMAIL#${emailDigest(email)}`, SK: 'ACCOUNT' }),

  // Albums and sharing (docs/sharing.md). Everything about one album lives in its partition.
  /** The album itself: owner, name, cover, photo count. */
  album: (albumId: string) => ({ PK: `ALBUM#${albumId}`, SK: 'ALBUM' }),
  /** The owner's index of their albums (my albums: Query `USER#<owner>`, `begins_with(SK, ALBUM#)`). */
  ownedAlbum: (ownerId: string, albumId: string) => ({ PK: `USER#${ownerId}`, SK: `ALBUM#${albumId}` }),
  ownedAlbumPrefix: 'ALBUM#',
  /**
   * A photo in an album, keyed by the photo's owner then the photo, so adding is idempotent and one
   * contributor's photos are one `begins_with` Query (albumEntryPrefix).
   */
  albumEntry: (albumId: string, photoOwnerId: string, photoId: string) => ({ PK: `ALBUM#${albumId}`, SK: `PHOTO#${photoOwnerId}#${photoId}` }),
  albumEntryPrefix: (photoOwnerId?: string) => (photoOwnerId === undefined ? 'PHOTO#' : `PHOTO#${photoOwnerId}#`),
  /** GSI1: an album's photos by taken-at (the album's timeline). */
  albumTimeline: (albumId: string, takenAtUtc: string, photoId: string) => ({ GSI1PK: `ALBUM#${albumId}`, GSI1SK: `${takenAtUtc}#${photoId}` }),
  /** A member of an album (role), and its reverse item: the albums shared with a user. */
  albumMember: (albumId: string, userId: string) => ({ PK: `ALBUM#${albumId}`, SK: `MEMBER#${userId}` }),
  albumMemberPrefix: 'MEMBER#',
  sharedAlbum: (memberId: string, albumId: string) => ({ PK: `USER#${memberId}`, SK: `SHARED#${albumId}` }),
  sharedAlbumPrefix: 'SHARED#',
  /** GSI1 on the reverse item: "shared with me", newest shared first (the table's SK sorts by album, not by share time). */
  sharedAlbumTimeline: (memberId: string, addedAt: string, albumId: string) => ({ GSI1PK: `SHARED#${memberId}`, GSI1SK: `${addedAt}#${albumId}` }),
  /** GSI2 on a member item while its AlbumShared event is owed (the sweep re-enqueues a lost publish job). */
  albumSharedDue: (dueAt: string, albumId: string, memberId: string) => ({ GSI2PK: 'DUE#ALBUMSHARED', GSI2SK: `${dueAt}#${albumId}#${memberId}` }),
  /**
   * A member who left or was removed and whose photos must still leave the album: written in the
   * membership's delete transaction, deleted by the departure job once they are out; GSI2 lets the
   * sweep find one whose job was lost.
   */
  albumDeparture: (albumId: string, userId: string) => ({ PK: `ALBUM#${albumId}`, SK: `DEPARTED#${userId}` }),
  albumDepartureDue: (dueAt: string, albumId: string, userId: string) => ({ GSI2PK: 'DUE#DEPARTURE', GSI2SK: `${dueAt}#${albumId}#${userId}` }),
  /** A share link (view or collect) of an album: its expiry, password hash, revocation, upload count. */
  shareLink: (albumId: string, linkId: string) => ({ PK: `ALBUM#${albumId}`, SK: `LINK#${linkId}` }),
  shareLinkPrefix: 'LINK#',
  /**
   * A deleted album whose partition (entries, members, links) and photos' album-id sets are still to
   * clear: written in the transaction that deletes the album, removed by the clear-album job once
   * the partition is empty. GSI2 `DUE#ALBUM`: the sweep hands out a clearing whose job was lost.
   */
  albumDeletion: (albumId: string) => ({ PK: `ALBUM#${albumId}`, SK: 'DELETION' }),
  albumDue: (dueAt: string, albumId: string) => ({ GSI2PK: 'DUE#ALBUM', GSI2SK: `${dueAt}#${albumId}` }),

  // Family (docs/sharing.md): the family's partition holds its members and pending invites.
  family: (familyId: string) => ({ PK: `FAMILY#${familyId}`, SK: 'FAMILY' }),
  familyMember: (familyId: string, userId: string) => ({ PK: `FAMILY#${familyId}`, SK: `MEMBER#${userId}` }),
  familyInvite: (familyId: string, email: string) => ({ PK: `FAMILY#${familyId}`, SK: `INVITE#${emailDigest(email)}` }),
  /** Which family a user belongs to (at most one: the item's existence is the guard). */
  familyOf: (userId: string) => ({ PK: `USER#${userId}`, SK: 'FAMILY' }),
  /** The invitations addressed to an email (the invitee lists them by their own email). */
  familyInvitation: (email: string, familyId: string) => ({ PK: `INVITEE#${emailDigest(email)}`, SK: `FAMILY#${familyId}` }),
  /** GSI2 on an invitation while its email is owed (the sweep re-enqueues a lost email job). */
  familyInviteMailDue: (dueAt: string, familyId: string, inviteId: string) => ({ GSI2PK: 'DUE#FAMILYINVITE', GSI2SK: `${dueAt}#${familyId}#${inviteId}` }),
  /** GSI2 on a family member item while its FamilyMemberJoined event is owed (the sweep re-enqueues a lost job). */
  familyJoinedDue: (dueAt: string, familyId: string, userId: string) => ({ GSI2PK: 'DUE#FAMILYJOINED', GSI2SK: `${dueAt}#${familyId}#${userId}` }),

  /** A side effect that must happen once (src/jobs/idempotency.ts). */
  idempotency: (key: string) => ({ PK: `IDEMPOTENCY#${key}`, SK: 'IDEMPOTENCY' }),
} as const;
