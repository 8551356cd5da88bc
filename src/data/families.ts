import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FamilyHead, FamilyInviteRecord, FamilyMemberRecord, FamilyState } from '../family/rules.js';
import { conditionalWrite } from './conditional-write.js';
import { dueItems } from './due-entries.js';
import { keys } from './keys.js';

type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/** An invitation as the invitee lists it: the reverse item of an invite, in the invitee's email partition. */
export interface InvitationRecord {
  familyId: string;
  inviteId: string;
  /** The invited address (lower case). */
  email: string;
  organiserId: string;
  organiserEmail: string;
  organiserName?: string;
  invitedAt: string;
  expiresAt: string;
  /** Set while the invite's email is owed (mirrored in GSI2 `DUE#FAMILYINVITE`). */
  mailDueAt?: string;
}

/** Who sends an invite, as the invitation shows them. */
export interface Organiser {
  userId: string;
  email: string;
  name?: string;
}

/** A family partition holds the family, at most 6 members and 5 invites: one page reads it all. */
const FAMILY_PAGE = 50;
/** Invitations to one address listed at once; more than this many families inviting one address is abuse. */
const INVITATIONS_PAGE = 50;
/** Expired invitations are ignored by every read; their reverse items go some time after (AWS TTL). */
const INVITATION_TTL_AFTER_EXPIRY_S = 30 * 24 * 3600;

const MEMBER = 'MEMBER#';
const INVITE = 'INVITE#';

function strip<T>(item: Record<string, unknown>): T {
  const { PK: _pk, SK: _sk, GSI2PK: _g2pk, GSI2SK: _g2sk, ttl: _ttl, ...rest } = item;
  return rest as T;
}

/**
 * Family groups (docs/data-model.md, "Family"): the family's partition `FAMILY#<id>` (the family item
 * with its seat count, members, invites), `USER#<id>` / `FAMILY` (the one family of a user) and the
 * invitee's `INVITEE#<hash>` partition. Every write is one TransactWriteItems whose conditions pin what
 * the caller decided on: `false` comes back when something changed meanwhile (the service reads again).
 */
export class FamiliesRepository {
  constructor(
    private readonly dynamo: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** The family the user belongs to (strongly consistent: a join or a removal counts at once). */
  async familyOf(userId: string): Promise<string | undefined> {
    const { Item } = await this.dynamo.send(new GetCommand({ TableName: this.table, Key: keys.familyOf(userId), ConsistentRead: true }));
    return typeof Item?.familyId === 'string' ? Item.familyId : undefined;
  }

  /** The whole family partition, or undefined when the family does not exist. */
  async load(familyId: string): Promise<FamilyState | undefined> {
    const { PK } = keys.family(familyId);
    const { Items = [] } = await this.dynamo.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': PK },
        ConsistentRead: true,
        Limit: FAMILY_PAGE,
      }),
    );
    const head = Items.find((item) => item.SK === keys.family(familyId).SK);
    if (!head) return undefined;
    return {
      head: strip<FamilyHead>(head),
      members: Items.filter((item) => String(item.SK).startsWith(MEMBER)).map((item) => strip<FamilyMemberRecord>(item)),
      invites: Items.filter((item) => String(item.SK).startsWith(INVITE)).map((item) => strip<FamilyInviteRecord>(item)),
    };
  }

  /** The invite of `email` into the family, expired or not. */
  async invite(familyId: string, email: string): Promise<FamilyInviteRecord | undefined> {
    const { Item } = await this.dynamo.send(new GetCommand({ TableName: this.table, Key: keys.familyInvite(familyId, email), ConsistentRead: true }));
    return Item ? strip<FamilyInviteRecord>(Item) : undefined;
  }

  /** The invitations addressed to `email`, expired ones included (the caller filters), oldest family first. */
  async invitations(email: string): Promise<InvitationRecord[]> {
    const { PK } = keys.familyInvitation(email, '');
    const { Items = [] } = await this.dynamo.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': PK },
        Limit: INVITATIONS_PAGE,
      }),
    );
    return Items.map((item) => strip<InvitationRecord>(item));
  }

  /**
   * A new family with its organiser and first invite. Fails (false) when the organiser joined or
   * founded a family meanwhile: their `USER#<id>` / `FAMILY` item is the one-family guard.
   */
  async create(head: FamilyHead, organiser: FamilyMemberRecord, invite: FamilyInviteRecord, from: Organiser, mailDueAt: string): Promise<boolean> {
    return this.transact([
      { Put: { TableName: this.table, Item: { ...keys.family(head.familyId), ...head }, ConditionExpression: 'attribute_not_exists(PK)' } },
      { Put: { TableName: this.table, Item: { ...keys.familyMember(head.familyId, organiser.userId), ...organiser } } },
      this.familyOfPut(organiser.userId, head.familyId),
      { Put: { TableName: this.table, Item: { ...keys.familyInvite(head.familyId, invite.email), ...invite }, ConditionExpression: 'attribute_not_exists(PK)' } },
      { Put: this.invitationPut(invite, from, mailDueAt) },
    ]);
  }

  /**
   * Adds an invite to an existing family, deleting the expired invites `reclaim` in the same transaction
   * (one of them may be this email's: it is replaced). The family item's seat count must be at most
   * `seatLimit` (the room check) and the organiser unchanged; each reclaimed invite must still be the one read.
   */
  async addInvite(organiserId: string, invite: FamilyInviteRecord, from: Organiser, mailDueAt: string, reclaim: FamilyInviteRecord[], seatLimit: number): Promise<boolean> {
    const replaced = reclaim.find((old) => old.email === invite.email);
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.table,
          Key: keys.family(invite.familyId),
          UpdateExpression: 'ADD seats :delta',
          ConditionExpression: 'organiserId = :organiser AND seats <= :limit',
          ExpressionAttributeValues: { ':delta': 1 - reclaim.length, ':organiser': organiserId, ':limit': seatLimit },
        },
      },
      {
        Put: {
          TableName: this.table,
          Item: { ...keys.familyInvite(invite.familyId, invite.email), ...invite },
          ...(replaced
            ? { ConditionExpression: 'inviteId = :old', ExpressionAttributeValues: { ':old': replaced.inviteId } }
            : { ConditionExpression: 'attribute_not_exists(PK)' }),
        },
      },
      { Put: this.invitationPut(invite, from, mailDueAt) },
    ];
    for (const old of reclaim) {
      if (old === replaced) continue;
      items.push(this.inviteDelete(old), { Delete: { TableName: this.table, Key: keys.familyInvitation(old.email, old.familyId) } });
    }
    return this.transact(items);
  }

  /** Withdraws or declines an invite (the very one read): its seat is free again. */
  async removeInvite(invite: FamilyInviteRecord): Promise<boolean> {
    return this.transact([
      this.inviteDelete(invite),
      { Delete: { TableName: this.table, Key: keys.familyInvitation(invite.email, invite.familyId) } },
      this.seatsUpdate(invite.familyId, -1, 0),
    ]);
  }

  /**
   * The invitee joins: their invite becomes their membership (the seat count stays). Fails when the invite
   * was withdrawn, expired (`now`) or replaced, the family is gone, or the user belongs to a family by now.
   */
  async accept(invite: FamilyInviteRecord, member: FamilyMemberRecord, now: Date): Promise<boolean> {
    return this.transact([
      {
        Delete: {
          TableName: this.table,
          Key: keys.familyInvite(invite.familyId, invite.email),
          ConditionExpression: 'inviteId = :invite AND expiresAt > :now',
          ExpressionAttributeValues: { ':invite': invite.inviteId, ':now': now.toISOString() },
        },
      },
      { Delete: { TableName: this.table, Key: keys.familyInvitation(invite.email, invite.familyId) } },
      { Put: { TableName: this.table, Item: this.memberItem(member), ConditionExpression: 'attribute_not_exists(PK)' } },
      this.familyOfPut(member.userId, member.familyId),
      this.seatsUpdate(member.familyId, 0, 1),
    ]);
  }

  /** A member leaves or is removed: their seat is free again. */
  async removeMember(member: FamilyMemberRecord): Promise<boolean> {
    return this.transact([...this.memberDeletes(member.familyId, member), this.seatsUpdate(member.familyId, -1, -1)]);
  }

  /**
   * The family goes with every member and pending invite read (the organiser leaving alone, or the
   * organiser's account deleted). The family item must still count exactly what was read, and each member
   * and invite must still be the one read, so a join, a leave or an invite racing it makes it fail
   * instead of leaving a member of a family that no longer exists.
   */
  async dissolve(state: FamilyState): Promise<boolean> {
    const { head } = state;
    return this.transact([
      {
        Delete: {
          TableName: this.table,
          Key: keys.family(head.familyId),
          ConditionExpression: 'memberCount = :members AND seats = :seats',
          ExpressionAttributeValues: { ':members': state.members.length, ':seats': state.members.length + state.invites.length },
        },
      },
      ...state.members.flatMap((member) => this.memberDeletes(head.familyId, member)),
      ...state.invites.flatMap((invite): TransactItem[] => [
        this.inviteDelete(invite),
        { Delete: { TableName: this.table, Key: keys.familyInvitation(invite.email, invite.familyId) } },
      ]),
    ]);
  }

  /** The invitation as the email job reads it (strongly consistent: it was just written). */
  async invitation(email: string, familyId: string): Promise<InvitationRecord | undefined> {
    const { Item } = await this.dynamo.send(new GetCommand({ TableName: this.table, Key: keys.familyInvitation(email, familyId), ConsistentRead: true }));
    return Item ? strip<InvitationRecord>(Item) : undefined;
  }

  /** The invite's email is sent: its due entry goes (unless the invitation was replaced or went meanwhile). */
  async finishInviteMail(invitation: InvitationRecord): Promise<void> {
    await conditionalWrite(
      this.dynamo,
      new UpdateCommand({
        TableName: this.table,
        Key: keys.familyInvitation(invitation.email, invitation.familyId),
        UpdateExpression: 'REMOVE GSI2PK, GSI2SK, mailDueAt',
        ConditionExpression: 'inviteId = :invite',
        ExpressionAttributeValues: { ':invite': invitation.inviteId },
      }),
    );
  }

  /** FamilyMemberJoined is published: the member's due entry goes (unless they left meanwhile). */
  async finishJoinedEvent(familyId: string, userId: string, joinedAt: string): Promise<void> {
    await conditionalWrite(
      this.dynamo,
      new UpdateCommand({
        TableName: this.table,
        Key: keys.familyMember(familyId, userId),
        UpdateExpression: 'REMOVE GSI2PK, GSI2SK, eventDueAt',
        ConditionExpression: 'joinedAt = :joined',
        ExpressionAttributeValues: { ':joined': joinedAt },
      }),
    );
  }

  /** Invitations whose email was due before `before`, oldest first. */
  async dueInviteMails(before: string, limit: number): Promise<InvitationRecord[]> {
    return (await dueItems(this.dynamo, this.table, 'DUE#FAMILYINVITE', before, limit)).map((item) => strip<InvitationRecord>(item));
  }

  /** Members whose FamilyMemberJoined was due before `before`, oldest first. */
  async dueJoinedEvents(before: string, limit: number): Promise<FamilyMemberRecord[]> {
    return (await dueItems(this.dynamo, this.table, 'DUE#FAMILYJOINED', before, limit)).map((item) => strip<FamilyMemberRecord>(item));
  }

  /** Leases an owed email to a new job until `dueAt`; false when another sweep or the job got there first. */
  async rescheduleInviteMail(seen: InvitationRecord, dueAt: string): Promise<boolean> {
    return conditionalWrite(
      this.dynamo,
      new UpdateCommand({
        TableName: this.table,
        Key: keys.familyInvitation(seen.email, seen.familyId),
        UpdateExpression: 'SET mailDueAt = :due, GSI2SK = :g2s',
        ConditionExpression: 'mailDueAt = :seen AND inviteId = :invite',
        ExpressionAttributeValues: {
          ':due': dueAt,
          ':g2s': keys.familyInviteMailDue(dueAt, seen.familyId, seen.inviteId).GSI2SK,
          ':seen': seen.mailDueAt,
          ':invite': seen.inviteId,
        },
      }),
    );
  }

  /** Leases an owed event to a new job until `dueAt`; false when another sweep or the job got there first. */
  async rescheduleJoinedEvent(seen: FamilyMemberRecord, dueAt: string): Promise<boolean> {
    return conditionalWrite(
      this.dynamo,
      new UpdateCommand({
        TableName: this.table,
        Key: keys.familyMember(seen.familyId, seen.userId),
        UpdateExpression: 'SET eventDueAt = :due, GSI2SK = :g2s',
        ConditionExpression: 'eventDueAt = :seen AND joinedAt = :joined',
        ExpressionAttributeValues: {
          ':due': dueAt,
          ':g2s': keys.familyJoinedDue(dueAt, seen.familyId, seen.userId).GSI2SK,
          ':seen': seen.eventDueAt,
          ':joined': seen.joinedAt,
        },
      }),
    );
  }

  /** A member item; with its due entry while its FamilyMemberJoined event is owed. */
  private memberItem(member: FamilyMemberRecord) {
    const due = member.eventDueAt === undefined ? {} : keys.familyJoinedDue(member.eventDueAt, member.familyId, member.userId);
    return { ...keys.familyMember(member.familyId, member.userId), ...due, ...member };
  }

  private familyOfPut(userId: string, familyId: string): TransactItem {
    return { Put: { TableName: this.table, Item: { ...keys.familyOf(userId), familyId }, ConditionExpression: 'attribute_not_exists(PK)' } };
  }

  /** The invitee's copy of an invite, owing its email (due `mailDueAt`) until the email job is done. */
  private invitationPut(invite: FamilyInviteRecord, from: Organiser, mailDueAt: string) {
    const record: InvitationRecord = {
      familyId: invite.familyId,
      inviteId: invite.inviteId,
      email: invite.email,
      organiserId: from.userId,
      organiserEmail: from.email,
      ...(from.name ? { organiserName: from.name } : {}),
      invitedAt: invite.invitedAt,
      expiresAt: invite.expiresAt,
      mailDueAt,
    };
    const ttl = Math.floor(Date.parse(invite.expiresAt) / 1000) + INVITATION_TTL_AFTER_EXPIRY_S;
    const due = keys.familyInviteMailDue(mailDueAt, invite.familyId, invite.inviteId);
    return { TableName: this.table, Item: { ...keys.familyInvitation(invite.email, invite.familyId), ...due, ...record, ttl } };
  }

  /** A member's item and their family-of item, each only as read (a member who left and joined again is another). */
  private memberDeletes(familyId: string, member: Pick<FamilyMemberRecord, 'userId' | 'joinedAt'>): TransactItem[] {
    return [
      {
        Delete: {
          TableName: this.table,
          Key: keys.familyMember(familyId, member.userId),
          ConditionExpression: 'joinedAt = :joined',
          ExpressionAttributeValues: { ':joined': member.joinedAt },
        },
      },
      {
        Delete: {
          TableName: this.table,
          Key: keys.familyOf(member.userId),
          ConditionExpression: 'familyId = :family',
          ExpressionAttributeValues: { ':family': familyId },
        },
      },
    ];
  }

  private inviteDelete(invite: FamilyInviteRecord): TransactItem {
    return {
      Delete: {
        TableName: this.table,
        Key: keys.familyInvite(invite.familyId, invite.email),
        ConditionExpression: 'inviteId = :invite',
        ExpressionAttributeValues: { ':invite': invite.inviteId },
      },
    };
  }

  private seatsUpdate(familyId: string, seats: number, members: number): TransactItem {
    return {
      Update: {
        TableName: this.table,
        Key: keys.family(familyId),
        UpdateExpression: 'ADD seats :seats, memberCount :members',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':seats': seats, ':members': members },
      },
    };
  }

  /** True when committed; false when a condition failed or another transaction got in the way. */
  private async transact(items: TransactItem[]): Promise<boolean> {
    try {
      await this.dynamo.send(new TransactWriteCommand({ TransactItems: items }));
      return true;
    } catch (error) {
      const reasons = error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : [];
      if (reasons.some((reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict')) return false;
      throw error;
    }
  }
}
