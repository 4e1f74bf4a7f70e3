import { ERROR_CATALOG, errorType, type ErrorCode } from '@cart/core';
import type { FetchLike } from '../../src/index.ts';

/** One request the store made, as this fetch saw it. */
export interface SeenCall {
  method: string;
  /** Path and query ("/api/carts/…/actions"). */
  path: string;
  /** The fake clock's time when the request left. */
  at: number;
  /** The status it was answered with; null while under way or when no answer came. */
  status: number | null;
  /** Answered by the test's script, not by the server. */
  scripted: boolean;
}

export interface ScriptedRequest {
  method: string;
  path: string;
  url: string;
  init: RequestInit;
}

type Handler = (request: ScriptedRequest) => Response | Promise<Response>;

/**
 * A `fetch` in front of another one (InjectNetwork's), for the faults InjectNetwork does
 * not make: answers the test writes itself (an HTML 404 from a proxy, a 429 with
 * Retry-After), requests held at the door, and routes the test serves (the live stream,
 * see LiveRelay). It records every request with the fake clock's time, counts those
 * under way so a test can wait for the store to go quiet, and learns each cart's token
 * from the server's answer to `POST /api/carts`, so that a test reads carts on the
 * server without reaching into the store.
 */
export class ScriptedFetch {
  readonly calls: SeenCall[] = [];
  /** Cart id → token, from every cart the server made for this fetch. */
  readonly tokens = new Map<string, string>();
  /** Requests under way, held ones included. */
  inFlight = 0;
  /** Requests waiting at the door (see hold). */
  held = 0;
  private scripts: { pattern: RegExp; times: number; handler: Handler }[] = [];
  private routes: { pattern: RegExp; handler: Handler }[] = [];

  constructor(
    private readonly inner: FetchLike,
    private readonly now: () => number,
  ) {}

  /** The next `times` requests matching `pattern` ("POST /api/carts/…") get `handler`'s answer. */
  script(pattern: RegExp, handler: Handler, times = 1): void {
    this.scripts.push({ pattern, times, handler });
  }

  /** Every request matching `pattern` is answered by `handler` (unless a script takes it). */
  route(pattern: RegExp, handler: Handler): void {
    this.routes.push({ pattern, handler });
  }

  /**
   * The next request matching `pattern` waits (before the server sees it) until the
   * returned function is called; then it goes on to the server (`answer`), or fails
   * as a dropped connection does, unseen by the server (`lose`).
   */
  hold(pattern: RegExp, then: 'answer' | 'lose' = 'answer'): () => void {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    this.script(pattern, async (request) => {
      this.held++;
      try {
        await gate;
      } finally {
        this.held--;
      }
      if (then === 'lose') networkFailure();
      return this.inner(request.url, request.init);
    });
    return () => release();
  }

  /** Requests seen that match `pattern` ("POST /api/carts/…/actions"), in order. */
  matching(pattern: RegExp): SeenCall[] {
    return this.calls.filter((c) => pattern.test(`${c.method} ${c.path}`));
  }

  readonly fetch: FetchLike = async (input, init) => {
    const url = new URL(input);
    const method = init.method ?? 'GET';
    const path = `${url.pathname}${url.search}`;
    const line = `${method} ${path}`;
    const script = this.scripts.find((s) => s.times > 0 && s.pattern.test(line));
    if (script) {
      script.times--;
      this.scripts = this.scripts.filter((s) => s.times > 0);
    }
    const handler = script?.handler ?? this.routes.find((r) => r.pattern.test(line))?.handler;
    const call: SeenCall = { method, path, at: this.now(), status: null, scripted: !!script };
    this.calls.push(call);
    this.inFlight++;
    try {
      const request = { method, path, url: input, init };
      const response = await (handler ? handler(request) : this.inner(input, init));
      call.status = response.status;
      if (method === 'POST' && url.pathname === '/api/carts' && response.status === 201) {
        const created = (await response.clone().json()) as { id: string; token: string };
        this.tokens.set(created.id, created.token);
      }
      return response;
    } finally {
      this.inFlight--;
    }
  };
}

/** What a proxy or CDN answers for a path it does not know: a 404 page, not a problem document. */
export function htmlNotFound(): Response {
  return new Response('<!doctype html><title>404 Not Found</title><h1>Not Found</h1>', {
    status: 404,
    headers: { 'content-type': 'text/html; charset=utf-8' },
  });
}

/** A problem document as the server writes one (RFC 9457, with the catalog's code). */
export function problemAnswer(
  status: number,
  code: ErrorCode,
  headers: Record<string, string> = {},
): Response {
  const body = {
    type: errorType(code),
    title: ERROR_CATALOG[code].title,
    status,
    detail: ERROR_CATALOG[code].message,
    code,
    requestId: 'scripted-by-the-test',
  };
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });
}

/** A request that never got an answer (what fetch throws when the network fails). */
export function networkFailure(): never {
  throw new TypeError('fetch failed (scripted by the test)');
}
