import { DescribeEventBusCommand, EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { AppConfig } from '../config.js';
import { clientOptions, type HealthCheck } from './client-options.js';

export const EVENT_SOURCE = 'auroravault.api';

export function createEventBridgeClient(config: AppConfig): EventBridgeClient {
  return new EventBridgeClient(clientOptions(config, 'eventbridge'));
}

export interface DomainEvent {
  type: string;
  detail: Record<string, unknown>;
}

/** Publishes domain events; throws if EventBridge refused any entry so a job can retry. */
export async function publishEvents(
  client: EventBridgeClient,
  eventBusName: string,
  events: DomainEvent[],
): Promise<void> {
  const entries: PutEventsRequestEntry[] = events.map((event) => ({
    EventBusName: eventBusName,
    Source: EVENT_SOURCE,
    DetailType: event.type,
    Detail: JSON.stringify(event.detail),
  }));
  const result = await client.send(new PutEventsCommand({ Entries: entries }));
  if ((result.FailedEntryCount ?? 0) > 0) {
    const failed = result.Entries?.find((e) => e.ErrorCode);
    throw new Error(`EventBridge refused ${result.FailedEntryCount} event(s): ${failed?.ErrorCode} ${failed?.ErrorMessage}`);
  }
}

export function eventBridgeHealthCheck(client: EventBridgeClient, eventBusName: string): HealthCheck {
  return {
    name: 'eventbridge',
    async check(abortSignal) {
      await client.send(new DescribeEventBusCommand({ Name: eventBusName }), { abortSignal });
    },
  };
}
