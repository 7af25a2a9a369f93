import type { EndpointEntity } from '@switchyard/db';

/** Svix `EndpointOut`, as sent on the wire. Secrets and headers are never part of it. */
export interface EndpointOut {
  id: string;
  uid: string | null;
  url: string;
  description: string;
  version: number;
  rateLimit: number | null;
  throttleRate: number | null;
  disabled: boolean;
  filterTypes: string[] | null;
  channels: string[] | null;
  metadata: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

/** Maps an endpoint row to Svix's `EndpointOut`. */
export function toEndpointOut(endpoint: EndpointEntity): EndpointOut {
  return {
    id: endpoint.id,
    uid: endpoint.uid,
    url: endpoint.url,
    description: endpoint.description,
    version: endpoint.version,
    rateLimit: endpoint.rateLimit,
    throttleRate: endpoint.rateLimit,
    disabled: endpoint.disabled,
    filterTypes: endpoint.filterTypes,
    channels: endpoint.channels,
    metadata: endpoint.metadata ?? {},
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
  };
}

/** Svix `EndpointStats`: deliveries of the endpoint in a window, by status. */
export interface EndpointStatsOut {
  success: number;
  pending: number;
  fail: number;
  sending: number;
  canceled: number;
}

/** Svix `RecoverOut`: the background task a recover started. */
export interface RecoverOut {
  id: string;
  status: 'running' | 'finished' | 'failed';
  task: 'endpoint.recover';
  updatedAt: string;
}
