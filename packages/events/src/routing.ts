/** What routing needs to know of an endpoint. */
export interface RoutableEndpoint {
  readonly disabled: boolean;
  /** Empty or absent: every type. An entry ending in `.*` matches that prefix. */
  readonly filterTypes?: readonly string[] | null;
  /** Empty or absent: every message. */
  readonly channels?: readonly string[] | null;
}

/** What routing needs to know of a message. */
export interface RoutableMessage {
  readonly eventType: string;
  readonly channels?: readonly string[] | null;
}

/** True when an endpoint's type filter lets the event type through. */
export function matchesFilterTypes(filterTypes: readonly string[] | null | undefined, eventType: string): boolean {
  if (!filterTypes || filterTypes.length === 0) return true;
  for (const filter of filterTypes) {
    if (filter === eventType) return true;
    if (filter === '*') return true;
    if (filter.endsWith('.*') && eventType.startsWith(filter.slice(0, -1))) return true;
  }
  return false;
}

/** True when the endpoint has no channel filter or shares a channel with the message. */
export function sharesChannel(endpointChannels: readonly string[] | null | undefined, messageChannels: readonly string[] | null | undefined): boolean {
  if (!endpointChannels || endpointChannels.length === 0) return true;
  if (!messageChannels || messageChannels.length === 0) return false;
  return messageChannels.some((c) => endpointChannels.includes(c));
}

/** docs/api.md §3 routing: enabled, type filter passes, and channels empty or overlapping. */
export function endpointReceives(endpoint: RoutableEndpoint, message: RoutableMessage): boolean {
  return !endpoint.disabled && matchesFilterTypes(endpoint.filterTypes, message.eventType) && sharesChannel(endpoint.channels, message.channels);
}
