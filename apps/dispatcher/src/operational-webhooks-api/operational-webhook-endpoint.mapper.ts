import type { EndpointEntity } from '@switchyard/db';

/** Svix `OperationalWebhookEndpointOut`, as sent on the wire. */
export interface OperationalWebhookEndpointOut {
  id: string;
  uid: string | null;
  url: string;
  description: string;
  disabled: boolean;
  filterTypes: string[] | null;
  rateLimit: number | null;
  throttleRate: number | null;
  metadata: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

/** Maps an endpoint of the operational application to Svix's `OperationalWebhookEndpointOut`. */
export function toOperationalWebhookEndpointOut(endpoint: EndpointEntity): OperationalWebhookEndpointOut {
  return {
    id: endpoint.id,
    uid: endpoint.uid,
    url: endpoint.url,
    description: endpoint.description,
    disabled: endpoint.disabled,
    filterTypes: endpoint.filterTypes,
    rateLimit: endpoint.rateLimit,
    throttleRate: endpoint.rateLimit,
    metadata: endpoint.metadata ?? {},
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
  };
}
