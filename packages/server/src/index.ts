export { buildApp, loggerOptions, type BuildOptions } from './app.ts';
export { loadConfig, ConfigError, type Config } from './config.ts';
export type { Storage } from './storage/port.ts';
export { createStorage } from './storage/create-storage.ts';
export { verifyChain } from './audit/chain.ts';
