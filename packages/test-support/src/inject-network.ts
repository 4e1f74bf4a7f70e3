import type { FastifyInstance } from 'fastify';
import type { FetchLike } from '@cart/client';

export interface SentRequest {
  method: string;
  path: string;
  key: string | undefined;
  body: unknown;
}

/**
 * `fetch` onto the real application through `app.inject` (no socket, the real routes,
 * plugins and storage), with the failures of a real network at the test's command:
 * `down` fails every request before it reaches the server; `loseAnswers` lets the
 * server handle the request, commit included, and then loses the answer; `hold` keeps
 * the next matching request waiting until released.
 */
export class InjectNetwork {
  readonly sent: SentRequest[] = [];
  isDown = false;
  private lose: { pattern: RegExp; count: number } | null = null;
  private held: { pattern: RegExp; release: Promise<void> } | null = null;

  /** Cookies, when the network plays a browser (`browser: true`). */
  readonly cookies = new Map<string, string>();

  /**
   * @param browser behave as a same-origin page of the shop: keep cookies and send
   *   `Sec-Fetch-Site: same-origin`, as a browser does (`cross-site` with crossSite).
   */
  constructor(
    private readonly app: FastifyInstance,
    private readonly options: { browser?: boolean; crossSite?: boolean } = {},
  ) {}

  loseAnswers(pattern: RegExp, count = 1): void {
    this.lose = { pattern, count };
  }

  /** The next request matching `pattern` waits until the returned function is called. */
  hold(pattern: RegExp): () => void {
    let release!: () => void;
    this.held = { pattern, release: new Promise<void>((r) => (release = r)) };
    return () => release();
  }

  /** Requests sent to `pattern` ("POST /api/carts/…/actions"). */
  matching(pattern: RegExp): SentRequest[] {
    return this.sent.filter((r) => pattern.test(`${r.method} ${r.path}`));
  }

  readonly fetch: FetchLike = async (input, init) => {
    const url = new URL(input);
    const path = `${url.pathname}${url.search}`;
    const method = init.method ?? 'GET';
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    if (this.options.browser) {
      headers['sec-fetch-site'] = this.options.crossSite ? 'cross-site' : 'same-origin';
      if (this.cookies.size > 0)
        headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    const line = `${method} ${path}`;
    if (this.isDown) throw new TypeError('fetch failed (network down)');
    if (this.held?.pattern.test(line)) {
      const { release } = this.held;
      this.held = null;
      await release;
    }
    const body = typeof init.body === 'string' ? init.body : undefined;
    this.sent.push({
      method,
      path,
      key: headers['idempotency-key'],
      body: body === undefined ? undefined : JSON.parse(body),
    });
    const res = await this.app.inject({
      method: method as 'GET',
      url: path,
      headers,
      ...(body === undefined ? {} : { payload: body }),
    });
    if (this.lose && this.lose.count > 0 && this.lose.pattern.test(line)) {
      this.lose.count--;
      throw new TypeError('fetch failed (answer lost)');
    }
    if (this.options.browser) {
      const set = res.headers['set-cookie'];
      for (const c of Array.isArray(set) ? set : set ? [set] : []) {
        const [pair] = c.split(';');
        const eq = (pair ?? '').indexOf('=');
        if (eq > 0) this.cookies.set((pair as string).slice(0, eq), (pair as string).slice(eq + 1));
      }
    }
    const out = new Headers();
    for (const [k, v] of Object.entries(res.headers)) {
      if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(', ') : String(v));
    }
    const empty = res.statusCode === 204 || res.statusCode === 304;
    return new Response(empty ? null : new Uint8Array(res.rawPayload), {
      status: res.statusCode,
      headers: out,
    });
  };
}
