import { createContext, useContext } from 'react';
import type { Api } from './api/client';
import type { PortalSession } from './capabilities';

export interface PortalContextValue {
  api: Api;
  session: PortalSession;
}

export const PortalContext = createContext<PortalContextValue | null>(null);

export function usePortal(): PortalContextValue {
  const value = useContext(PortalContext);
  if (!value) throw new Error('usePortal outside <PortalContext.Provider>');
  return value;
}
