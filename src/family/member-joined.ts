import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { publishEvents } from '../aws/eventbridge.js';
import type { FamiliesRepository } from '../data/families.js';
import { runOnce } from '../jobs/idempotency.js';
import type { JobRegistry } from '../jobs/registry.js';

/**
 * FamilyMemberJoined, published by a job queued once the join is committed (again when the member accepts
 * again, and by the sweep while the member item still owes it): the queue rides out an EventBridge outage,
 * runOnce publishes each join once, and the member item's due entry goes afterwards.
 */
export const MEMBER_JOINED_JOB = 'family-member-joined';
export const FAMILY_MEMBER_JOINED_EVENT = 'FamilyMemberJoined';

export const memberJoinedPayload = z.object({
  familyId: z.string().min(1).max(64),
  organiserId: z.string().min(1).max(128),
  memberId: z.string().min(1).max(128),
  joinedAt: z.string().min(1).max(40),
});

export type MemberJoinedPayload = z.infer<typeof memberJoinedPayload>;

/**
 * One id per join (a member who leaves and joins again joins anew); also the job id and the runOnce key,
 * and carried as `eventId` so a consumer can drop the copy a crash right after PutEvents could make.
 */
export const memberJoinedEventId = (payload: MemberJoinedPayload) => `family-member-joined:${payload.familyId}:${payload.memberId}:${payload.joinedAt}`;

export interface MemberJoinedDeps {
  dynamo: DynamoDBDocumentClient;
  table: string;
  events: EventBridgeClient;
  eventBusName: string;
  families: FamiliesRepository;
}

export function registerMemberJoined(registry: JobRegistry, deps: MemberJoinedDeps): void {
  registry.register<MemberJoinedPayload>(
    MEMBER_JOINED_JOB,
    async (payload, ctx) => {
      ctx.signal.throwIfAborted();
      const eventId = memberJoinedEventId(payload);
      // Ids only: events leave for other systems, so addresses and names stay here.
      const detail = { eventId, familyId: payload.familyId, organiserId: payload.organiserId, memberId: payload.memberId };
      const published = await runOnce(deps.dynamo, deps.table, eventId, () =>
        publishEvents(deps.events, deps.eventBusName, [{ type: FAMILY_MEMBER_JOINED_EVENT, detail }]),
      );
      await deps.families.finishJoinedEvent(payload.familyId, payload.memberId, payload.joinedAt);
      ctx.log.info({ ran: published.ran }, published.ran ? 'FamilyMemberJoined published' : 'FamilyMemberJoined was already published');
    },
    { schema: memberJoinedPayload },
  );
}
