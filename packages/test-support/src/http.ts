/**
 * Small HTTP helpers for black-box tests against a real listening server: a JSON client
 * over the global `fetch`, a Server-Sent Events reader, and raw `node:http` requests for
 * the cases where a test needs control `fetch` does not give (exact headers, a body sent
 * in two halves).
 */
import http from 'node:http';

/** A response with its body read: parsed JSON when the server said it was JSON. */
export interface Reply<T = unknown> {
  status: number;
  headers: Headers;
  text: string;
  body: T;
}

export interface RequestOptions {
  /** Sent as JSON with `Content-Type: application/json`. */
  body?: unknown;
  /** Sent as is (no Content-Type unless given in `headers`). */
  rawBody?: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  headers?: Record<string, string>;
}

function isJson(contentType: string | null): boolean {
  return contentType !== null && /[/+]json\b/i.test(contentType);
}

/** A JSON client for one server, e.g. `new HttpClient('http://127.0.0.1:41234')`. */
export class HttpClient {
  constructor(readonly baseUrl: string) {}

  async request<T = unknown>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<Reply<T>> {
    const headers: Record<string, string> = {};
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    } else if (options.rawBody !== undefined) {
      body = options.rawBody;
    }
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    Object.assign(headers, options.headers);
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      headers,
      body: body ?? null,
      redirect: 'manual',
    });
    const text = await response.text();
    const parsed: unknown =
      isJson(response.headers.get('content-type')) && text !== '' ? JSON.parse(text) : undefined;
    return { status: response.status, headers: response.headers, text, body: parsed as T };
  }

  get<T = unknown>(path: string, options?: RequestOptions): Promise<Reply<T>> {
    return this.request<T>('GET', path, options);
  }

  post<T = unknown>(path: string, options?: RequestOptions): Promise<Reply<T>> {
    return this.request<T>('POST', path, options);
  }

  put<T = unknown>(path: string, options?: RequestOptions): Promise<Reply<T>> {
    return this.request<T>('PUT', path, options);
  }

  patch<T = unknown>(path: string, options?: RequestOptions): Promise<Reply<T>> {
    return this.request<T>('PATCH', path, options);
  }

  delete<T = unknown>(path: string, options?: RequestOptions): Promise<Reply<T>> {
    return this.request<T>('DELETE', path, options);
  }
}

/** One Server-Sent Event. */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

export interface EventStream {
  status: number;
  headers: Headers;
  /** The whole body when the server did not answer 2xx (a problem document). */
  errorText: string;
  /** The next event (comments skipped); rejects after `timeoutMs`. */
  next(timeoutMs?: number): Promise<SseEvent>;
  close(): void;
}

function parseEvent(block: string): SseEvent | undefined {
  let event = 'message';
  const data: string[] = [];
  let id: string | undefined;
  for (const line of block.split(/\r?\n/)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') id = value;
  }
  // As in EventSource: a block without data (a comment, a bare `retry:`) dispatches nothing.
  if (data.length === 0) return undefined;
  return id === undefined ? { event, data: data.join('\n') } : { event, data: data.join('\n'), id };
}

/** Opens `GET url` as an event stream and parses events as they arrive. */
export async function openEventStream(
  url: string,
  headers: Record<string, string> = {},
): Promise<EventStream> {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  const queue: SseEvent[] = [];
  const waiters: { resolve: (e: SseEvent) => void; reject: (e: Error) => void }[] = [];
  let ended: Error | undefined;

  const push = (event: SseEvent): void => {
    const waiter = waiters.shift();
    if (waiter) waiter.resolve(event);
    else queue.push(event);
  };
  const end = (error: Error): void => {
    ended = error;
    for (const waiter of waiters.splice(0)) waiter.reject(error);
  };

  let errorText = '';
  if (!response.ok || response.body === null) {
    errorText = await response.text();
    end(new Error(`event stream answered ${response.status}`));
  } else {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    void (async () => {
      let buffer = '';
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buffer += value;
          let match: RegExpExecArray | null;
          while ((match = /\r?\n\r?\n/.exec(buffer)) !== null) {
            const block = buffer.slice(0, match.index);
            buffer = buffer.slice(match.index + match[0].length);
            const event = parseEvent(block);
            if (event) push(event);
          }
        }
        end(new Error('event stream ended'));
      } catch (error) {
        end(error instanceof Error ? error : new Error(String(error)));
      }
    })();
  }

  return {
    status: response.status,
    headers: response.headers,
    errorText,
    next(timeoutMs = 5000) {
      const queued = queue.shift();
      if (queued) return Promise.resolve(queued);
      if (ended) return Promise.reject(ended);
      return new Promise<SseEvent>((resolve, reject) => {
        const timer = setTimeout(() => {
          const index = waiters.findIndex((w) => w.resolve === onEvent);
          if (index !== -1) waiters.splice(index, 1);
          reject(new Error(`no event within ${timeoutMs} ms`));
        }, timeoutMs);
        const onEvent = (event: SseEvent): void => {
          clearTimeout(timer);
          resolve(event);
        };
        waiters.push({
          resolve: onEvent,
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
      });
    },
    close() {
      controller.abort();
    },
  };
}

/** A response read through `node:http`: headers exactly as sent by the server. */
export interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON when it is JSON, else undefined. */
  json: unknown;
}

export interface RawRequestOptions {
  method: string;
  path: string;
  headers?: Record<string, string | number>;
  body?: string;
}

/** A request whose body the test writes itself (e.g. in two halves). */
export interface OpenRawRequest {
  request: http.ClientRequest;
  response: Promise<RawReply>;
}

/**
 * Starts a request with `node:http` and returns it before any body is written: the
 * caller writes the body (`request.write`, `request.end`) when it wants to.
 */
export function startRawRequest(baseUrl: string, options: RawRequestOptions): OpenRawRequest {
  const url = new URL(options.path, baseUrl);
  const request = http.request({
    host: url.hostname,
    port: url.port,
    path: url.pathname + url.search,
    method: options.method,
    headers: { connection: 'close', ...options.headers },
    agent: false,
  });
  const response = new Promise<RawReply>((resolve, reject) => {
    request.on('error', reject);
    request.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const contentType = res.headers['content-type'] ?? null;
        let json: unknown;
        if (isJson(contentType) && text !== '') json = JSON.parse(text);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
  });
  return { request, response };
}

/** Sends a whole request with `node:http`: only the headers given (plus Host and length). */
export function rawRequest(baseUrl: string, options: RawRequestOptions): Promise<RawReply> {
  const headers: Record<string, string | number> = { ...options.headers };
  if (options.body !== undefined) headers['content-length'] = Buffer.byteLength(options.body);
  const { request, response } = startRawRequest(baseUrl, { ...options, headers });
  request.end(options.body);
  return response;
}

/** A raw reply as a `Reply`, so the same assertions apply to both. */
export function toReply(raw: RawReply): Reply {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return { status: raw.status, headers, text: raw.text, body: raw.json };
}

/** `Set-Cookie` headers turned into one `Cookie` request header value (name=value pairs). */
export function cookieHeader(setCookies: readonly string[]): string {
  return setCookies.map((c) => c.split(';', 1)[0]?.trim() ?? '').join('; ');
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));
