import type { ApplicationEntity } from '@switchyard/db';

/** Svix `ApplicationOut`, as sent on the wire. */
export interface ApplicationOut {
  id: string;
  uid: string | null;
  name: string;
  rateLimit: number | null;
  throttleRate: number | null;
  metadata: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

/** Maps an application row to Svix's `ApplicationOut`. */
export function toApplicationOut(app: ApplicationEntity): ApplicationOut {
  return {
    id: app.id,
    uid: app.uid,
    name: app.name,
    rateLimit: app.rateLimit,
    throttleRate: app.rateLimit,
    metadata: app.metadata ?? {},
    createdAt: app.createdAt.toISOString(),
    updatedAt: app.updatedAt.toISOString(),
  };
}
