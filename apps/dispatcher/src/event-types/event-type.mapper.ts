import type { EventTypeEntity } from '@switchyard/db';

/** Svix `EventTypeOut`, as sent on the wire. */
export interface EventTypeOut {
  name: string;
  description: string;
  archived: boolean;
  deprecated: boolean;
  featureFlag: string | null;
  featureFlags: string[] | null;
  groupName: string | null;
  schemas: Record<string, unknown> | null;
  createdAt: string;
  updatedAt: string;
}

/** Maps an event type row to Svix's `EventTypeOut`; lists leave `schemas` out unless asked (`with_content`). */
export function toEventTypeOut(eventType: EventTypeEntity, withSchemas = true): EventTypeOut {
  return {
    name: eventType.name,
    description: eventType.description,
    archived: eventType.archived,
    deprecated: eventType.deprecated,
    featureFlag: eventType.featureFlags?.[0] ?? null,
    featureFlags: eventType.featureFlags,
    groupName: eventType.groupName,
    schemas: withSchemas ? eventType.schemas : null,
    createdAt: eventType.createdAt.toISOString(),
    updatedAt: eventType.updatedAt.toISOString(),
  };
}
