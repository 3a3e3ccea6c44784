import { createContext, useContext, useEffect, useRef, type ReactNode } from 'react';
import type { HearthApi, HearthEvent } from '../../../src-main/api/contract';
import type { RendererClient } from './types';

const ClientContext = createContext<RendererClient | null>(null);

export function ApiProvider({ client, children }: { client: RendererClient; children: ReactNode }) {
  return <ClientContext.Provider value={client}>{children}</ClientContext.Provider>;
}

export function useClient(): RendererClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error('useClient must be used inside <ApiProvider>');
  return client;
}

export function useApi(): HearthApi {
  return useClient().api;
}

/** Subscribes to pushed events for the lifetime of the component; the latest listener is used. */
export function useHearthEvent(listener: (event: HearthEvent) => void): void {
  const client = useClient();
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => client.onEvent((event) => latest.current(event)), [client]);
}
