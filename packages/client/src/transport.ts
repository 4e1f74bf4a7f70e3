import { DEFAULT_RETRY_POLICY, parseRetryAfter, retryDelay, type RetryPolicy } from './backoff.ts';
import { CartApiError, CartNetworkError, errorFromResponse, isAbort } from './errors.ts';
import { randomId, runtimeWith, type Runtime } from './runtime.ts';

/** The subset of `fetch` the SDK uses; pass your own (a wrapped or polyfilled fetch). */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface TransportOptions {
  /** Origin (and path prefix) of the shop, e.g. `https://shop.example`; `''` in a same-origin page. */
  baseUrl?: string;
  fetch?: FetchLike;
  /** Per attempt, until the whole answer is read (default 10 s). */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  runtime?: Partial<Runtime>;
  /** `fetch`'s credentials mode: `same-origin` (default) sends the cart cookie to the shop. */
  credentials?: RequestCredentials;
  /** Makes idempotency keys (default: 128 random bits). */
  newKey?: () => string;
  /** Told about every retry, e.g. to count them or to notice the network is down. */
  onRetry?: (info: RetryInfo) => void;
}

export interface RetryInfo {
  method: HttpMethod;
  path: string;
  /** The attempt that failed (1 = the first). */
  attempt: number;
  delayMs: number;
  error: CartApiError | CartNetworkError;
}

export interface TransportRequest {
  method: HttpMethod;
  /** Path under the base URL, e.g. `/api/carts/abc`. */
  path: string;
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * The key of this logical action. Every attempt of this call sends the same key, so
   * the server applies the change at most once however many times it is sent. When
   * absent, a key is made for a mutation once, here, before the first attempt.
   */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

export interface TransportResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty body. */
  body: unknown;
  /** The server answered from its idempotency record (`Idempotent-Replayed: true`). */
  replayed: boolean;
  attempts: number;
  /** The idempotency key the request went with (mutations only). */
  idempotencyKey: string | undefined;
}

const MUTATIONS = new Set<HttpMethod>(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * HTTP on `fetch`: JSON in and out, a timeout per attempt, retries with capped
 * exponential backoff and full jitter (or the server's Retry-After), an
 * Idempotency-Key on every mutation, reused on every retry, and errors as
 * CartApiError (an HTTP answer) or CartNetworkError (no answer).
 */
export class Transport {
  readonly baseUrl: string;
  readonly policy: RetryPolicy;
  readonly runtime: Runtime;
  private readonly fetchImpl: FetchLike;
  private readonly timeoutMs: number;
  private readonly credentials: RequestCredentials;
  readonly newKey: () => string;
  private readonly onRetry: ((info: RetryInfo) => void) | undefined;

  constructor(options: TransportOptions = {}) {
    this.baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.runtime = runtimeWith(options.runtime);
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.credentials = options.credentials ?? 'same-origin';
    this.newKey = options.newKey ?? randomId;
    this.onRetry = options.onRetry;
  }

  /** The absolute URL of a path. */
  url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  /** `fetch` with this transport's credentials mode, for streams (live events). */
  rawFetch(path: string, init: RequestInit): Promise<Response> {
    return this.fetchImpl(this.url(path), { credentials: this.credentials, ...init });
  }

  async request(req: TransportRequest): Promise<TransportResponse> {
    const key = MUTATIONS.has(req.method) ? (req.idempotencyKey ?? this.newKey()) : undefined;
    for (let attempt = 1; ; attempt++) {
      let failure: CartApiError | CartNetworkError;
      try {
        const answer = await this.attempt(req, key, attempt);
        if (answer instanceof CartApiError) {
          // Network failures are retried; an answer only when core's rule says so (408,
          // 429, 5xx, 409 IDEMPOTENCY_IN_FLIGHT): `CartApiError.retryable`.
          if (!answer.retryable) throw answer;
          failure = answer;
        } else {
          return answer;
        }
      } catch (error) {
        if (error instanceof CartApiError || isAbort(error)) throw error;
        failure =
          error instanceof CartNetworkError
            ? error
            : new CartNetworkError('network', attempt, { cause: error });
      }
      if (attempt >= this.policy.maxAttempts) throw failure;
      const retryAfter = failure instanceof CartApiError ? failure.retryAfterMs : null;
      // A longer wait than this request should hold on for is the caller's to schedule
      // (the store waits until then, with everything else): never cut short here.
      if (retryAfter !== null && retryAfter > this.policy.maxRetryAfterMs) throw failure;
      const delayMs = retryDelay(attempt - 1, retryAfter, this.policy, this.runtime.random());
      this.onRetry?.({ method: req.method, path: req.path, attempt, delayMs, error: failure });
      await this.runtime.sleep(delayMs, req.signal);
    }
  }

  /** One attempt: an answer, an error answer (returned), or a thrown network failure. */
  private async attempt(
    req: TransportRequest,
    key: string | undefined,
    attempt: number,
  ): Promise<TransportResponse | CartApiError> {
    if (req.signal?.aborted) throw req.signal.reason;
    const controller = new AbortController();
    let timedOut = false;
    const cancelTimer = this.runtime.setTimer(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    const forward = () => controller.abort(req.signal?.reason);
    req.signal?.addEventListener('abort', forward, { once: true });

    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    if (key !== undefined) headers['idempotency-key'] = key;
    try {
      const response = await this.fetchImpl(this.url(req.path), {
        method: req.method,
        headers,
        body: req.body === undefined ? null : JSON.stringify(req.body),
        credentials: this.credentials,
        signal: controller.signal,
      });
      const text = await response.text();
      const body = parseBody(response.headers.get('content-type'), text);
      if (response.status >= 400) {
        const retryAfter = parseRetryAfter(response.headers.get('retry-after'), this.runtime.now());
        return errorFromResponse(response.status, body, retryAfter);
      }
      return {
        status: response.status,
        headers: response.headers,
        body,
        replayed: response.headers.get('idempotent-replayed') === 'true',
        attempts: attempt,
        idempotencyKey: key,
      };
    } catch (error) {
      if (req.signal?.aborted && !timedOut) throw req.signal.reason;
      throw new CartNetworkError(timedOut ? 'timeout' : 'network', attempt, { cause: error });
    } finally {
      cancelTimer();
      req.signal?.removeEventListener('abort', forward);
    }
  }
}

function parseBody(contentType: string | null, text: string): unknown {
  if (text === '') return undefined;
  if (contentType !== null && /[/+]json\b/i.test(contentType)) {
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  }
  return undefined;
}
