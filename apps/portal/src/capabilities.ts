import type { Schemas } from './api/client';

/** What a portal token may do (Svix's AppPortalCapability), as the dispatcher's OpenAPI document names them. */
export type Capability = Schemas['AppPortalCapability'];

/** What GET /api/v1/auth/portal-session answers for the portal's token. */
export type PortalSession = Schemas['PortalSessionOut'];

/** Each action of the portal, and the capabilities any one of which allows it (as the dispatcher's APP_TOKEN_ROUTES do). */
export const ACTIONS = {
  view: ['ViewBase'],
  revealSecret: ['ViewEndpointSecret', 'ManageEndpointSecret', 'ManageEndpoint'],
  rotateSecret: ['ManageEndpointSecret', 'ManageEndpoint'],
  manageEndpoint: ['ManageEndpoint'],
  recover: ['CreateAttempts', 'ManageEndpoint'],
  createAttempts: ['CreateAttempts'],
} as const satisfies Record<string, readonly Capability[]>;
export type Action = keyof typeof ACTIONS;

const READS: ReadonlySet<Action> = new Set(['view', 'revealSecret']);

/** May this session do that? A read-only session never writes, whatever its capabilities. */
export function can(session: Pick<PortalSession, 'capabilities' | 'readOnly'>, action: Action): boolean {
  if (session.readOnly && !READS.has(action)) return false;
  return ACTIONS[action].some((c) => session.capabilities.includes(c));
}
