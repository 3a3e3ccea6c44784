/** The app host: vault lifecycle, settings, idle lock and the store worker client. */
export { createAppHost, type AppHostOptions } from './app-host';
export { defaultConfigDir } from './config-dir';
export { systemClock, type Clock } from './clock';
export type { SessionFactories, SessionOptions } from './session-handle';
