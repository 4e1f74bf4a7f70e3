/**
 * @cart/client — the framework-agnostic cart SDK, for browsers and Node: a transport
 * with retries and idempotency keys, and a store that shows changes at once, queues
 * them through offline periods and reloads, and applies each exactly once.
 */
export {
  createCartStore,
  CartStore,
  type CartStoreOptions,
  type CartActions,
} from './cart-store.ts';
export type {
  ActionResult,
  CartErrorReport,
  CartSnapshot,
  OfflineReason,
  SyncStatus,
} from './cart-snapshot.ts';
export type { ShownCart, ShownLine } from './optimistic-view.ts';
export type { PendingAction } from './outbox.ts';
export type { SyncPhase } from './sync-state.ts';
export {
  readState,
  migrateMeta,
  type ActionRecord,
  type MetaRecord,
  type StoredCart,
  type LoadedState,
  type SetAside,
} from './records.ts';
export { CartApi, type AuthMode, type ApiAnswer } from './cart-api.ts';
export {
  Transport,
  type FetchLike,
  type HttpMethod,
  type RetryInfo,
  type TransportOptions,
  type TransportRequest,
  type TransportResponse,
} from './transport.ts';
export {
  DEFAULT_RETRY_POLICY,
  backoffDelay,
  parseRetryAfter,
  retryDelay,
  type RetryPolicy,
} from './backoff.ts';
export { CartApiError, CartNetworkError, CartProtocolError } from './errors.ts';
export { systemRuntime, randomId, type Runtime } from './runtime.ts';
export {
  MemoryStorage,
  type PersistedState,
  type StorageAdapter,
  type StorageStep,
} from './storage.ts';
export { IndexedDbStorage } from './indexeddb-adapter.ts';
export {
  alwaysOnline,
  browserOnlineSignal,
  ManualOnlineSignal,
  type OnlineSignal,
} from './online-signal.ts';
export {
  browserTabs,
  soloTab,
  type BrowserTabsOptions,
  type TabCoordinator,
  type TabHandlers,
} from './tab-coordinator.ts';
export { followCart, type LiveCartOptions } from './live-cart.ts';
