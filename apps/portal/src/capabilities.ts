/** What a portal token may do (Svix's AppPortalCapability). */
export type Capability = 'ViewBase' | 'ViewEndpointSecret' | 'ManageEndpointSecret' | 'ManageEndpoint' | 'CreateAttempts';

/** What GET /api/v1/auth/portal-session answers for the portal's token. */
export interface PortalSession {
  appId: string;
  appUid?: string | null;
  appName: string;
  metadata: Record<string, string>;
  capabilities: Capability[];
  readOnly: boolean;
  featureFlags: string[];
  sessionId?: string | null;
  expiresAt: string;
}

const WRITES: ReadonlySet<Capability> = new Set(['ManageEndpointSecret', 'ManageEndpoint', 'CreateAttempts']);

/** May this session do that? A read-only session never writes, whatever its capabilities. */
export function can(session: Pick<PortalSession, 'capabilities' | 'readOnly'>, capability: Capability): boolean {
  if (session.readOnly && WRITES.has(capability)) return false;
  return session.capabilities.includes(capability);
}
