/**
 * Time and chance, injected: the SDK never calls `Date.now`, `setTimeout` or
 * `Math.random` directly, so tests drive it with a fake clock and a fixed random
 * source, and the same code runs in browsers and Node.
 */
export interface Runtime {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** A number in [0, 1). */
  random(): number;
  /** Runs `fn` after `ms`; the returned function cancels it. */
  setTimer(fn: () => void, ms: number): () => void;
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error
    ? reason
    : new DOMException('The operation was aborted.', 'AbortError');
}

/** The real clock. Timers are looked up at call time, so fake timers (vitest) apply. */
export const systemRuntime: Runtime = {
  now: () => Date.now(),
  random: () => Math.random(),
  setTimer(fn, ms) {
    const handle = setTimeout(fn, ms);
    return () => clearTimeout(handle);
  },
  sleep(ms, signal) {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      const onAbort = () => {
        clearTimeout(handle);
        reject(abortReason(signal as AbortSignal));
      };
      const handle = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};

/** The system runtime with some parts replaced. */
export function runtimeWith(parts: Partial<Runtime> = {}): Runtime {
  return { ...systemRuntime, ...parts };
}

/**
 * 128 random bits as 22 base64url characters: idempotency keys, action ids, tab ids.
 * `crypto.getRandomValues` exists in every browser (also on plain http, where
 * `randomUUID` does not) and in Node ≥ 19 as a global.
 */
export function randomId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}
