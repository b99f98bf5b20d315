import { createContext, useContext } from 'react';
import type { AsyncState } from './use-async.js';
import type { ConsoleServices, Overview } from './services.js';

/** The engine-facing services; the root provides them. */
export const ServicesContext = createContext<ConsoleServices | null>(null);

/** The engine-facing services. */
export function useServices(): ConsoleServices {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices outside the console');
  return services;
}

/** The overview, read once by the root and shared by the header and Home. */
export const OverviewContext = createContext<(AsyncState<Overview> & { reload(): void }) | null>(null);

/** The overview of the target (loading, ready or failed). */
export function useOverview(): AsyncState<Overview> & { reload(): void } {
  const overview = useContext(OverviewContext);
  if (!overview) throw new Error('useOverview outside the console');
  return overview;
}
