/**
 * The dashboard's one way to the server: same-origin JSON requests that carry the
 * admin session cookie (and, for a change, the CSRF token), answers checked against the
 * core schemas, and problem+json errors turned into `ApiError`s with the server's words
 * (the fields it refused included). A 401 on any admin request means the session ended:
 * the app is told once, and shows the sign-in screen.
 */

/** What a core zod schema offers; kept structural so this file needs no zod import. */
export interface Schema<T> {
  safeParse(
    value: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: readonly { path: PropertyKey[]; message: string }[] } };
}

/** A part of a request the server refused: a JSON pointer into the body, and why. */
export interface FieldError {
  path: string;
  message: string;
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null = null,
    readonly requestId: string | null = null,
    /** The problem document's `errors` (a refused body: which field, in the server's words). */
    readonly errors: readonly FieldError[] = [],
  ) {
    super(message);
  }
}

let onSessionEnded: (() => void) | null = null;

/** Called when an admin request answers 401 (the session expired or was revoked). */
export function onUnauthorized(handler: (() => void) | null): void {
  onSessionEnded = handler;
}

/**
 * No answer, in words that say whose the trouble is: the device's network (the browser
 * says it is offline), or the server (the network is up and the server does not answer).
 */
function unreachable(): string {
  return navigator.onLine === false
    ? 'You are offline. Check your connection.'
    : 'The server is not answering (it may be down or restarting); your connection is fine.';
}

/** Answers from a proxy or load balancer whose server is down, not from the server. */
const GATEWAY = new Set([502, 503, 504]);

async function problemOf(response: Response): Promise<ApiError> {
  const status = `${response.status} ${response.statusText}`.trim();
  let detail = GATEWAY.has(response.status)
    ? `The server is not answering: the proxy in front of it answered ${status}.`
    : `The server answered ${status}.`;
  let code: string | null = null;
  let requestId = response.headers.get('x-request-id');
  let errors: FieldError[] = [];
  try {
    const body = (await response.json()) as {
      detail?: unknown;
      code?: unknown;
      requestId?: unknown;
      errors?: unknown;
    };
    if (typeof body.detail === 'string') detail = body.detail;
    if (typeof body.code === 'string') code = body.code;
    if (typeof body.requestId === 'string') requestId = body.requestId;
    if (Array.isArray(body.errors)) errors = body.errors.filter(isFieldError);
  } catch {
    // Not a problem document (a proxy's error page): keep the status line.
  }
  return new ApiError(detail, response.status, code, requestId, errors);
}

function isFieldError(value: unknown): value is FieldError {
  if (typeof value !== 'object' || value === null) return false;
  const { path, message } = value as Record<string, unknown>;
  return typeof path === 'string' && typeof message === 'string';
}

async function send(path: string, init: RequestInit = {}): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(path, {
      credentials: 'same-origin',
      ...init,
      headers: { accept: 'application/json', ...init.headers },
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(unreachable(), 0);
  }
  return response;
}

/** GETs an admin resource and checks it against its schema. */
export async function getJson<T>(
  path: string,
  schema: Schema<T>,
  signal?: AbortSignal,
): Promise<T> {
  const response = await send(path, signal ? { signal } : {});
  await refuseUnlessOk(response);
  return parseAnswer(path, response, schema);
}

/** Throws the server's problem unless the answer is a success; a 401 ends the session. */
async function refuseUnlessOk(response: Response): Promise<void> {
  if (response.status === 401) {
    onSessionEnded?.();
    throw await problemOf(response);
  }
  if (!response.ok) throw await problemOf(response);
}

async function parseAnswer<T>(path: string, response: Response, schema: Schema<T>): Promise<T> {
  const parsed = schema.safeParse(await response.json());
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}` : '';
    throw new ApiError(
      `The server's answer to ${path} is not in the expected shape (${where}).`,
      200,
    );
  }
  return parsed.data;
}

/**
 * The CSRF token every change carries (a change made with the session cookie needs one):
 * asked for once, and again when the server no longer takes it (the storefront in
 * another tab may have replaced the cookie it is checked against).
 */
let csrfToken: Promise<string> | null = null;

function csrf(): Promise<string> {
  if (csrfToken) return csrfToken;
  const asked = askCsrf();
  csrfToken = asked;
  // A failed ask is not kept: the next change asks again.
  asked.catch(() => {
    if (csrfToken === asked) csrfToken = null;
  });
  return asked;
}

async function askCsrf(): Promise<string> {
  const response = await send('/api/csrf');
  await refuseUnlessOk(response);
  const body = (await response.json()) as { token?: unknown };
  if (typeof body.token !== 'string')
    throw new ApiError("The server's answer to /api/csrf has no token.", response.status);
  return body.token;
}

async function sendChange(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown) {
  const attempt = async () =>
    send(path, {
      method,
      headers: {
        'x-csrf-token': await csrf(),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  let response = await attempt();
  if (response.status === 403) {
    const problem = await problemOf(response.clone());
    if (problem.code === 'CSRF_TOKEN_INVALID') {
      csrfToken = null;
      response = await attempt();
    }
  }
  await refuseUnlessOk(response);
  return response;
}

/** POSTs or PUTs an admin resource and checks the answer against its schema. */
export async function saveJson<T>(
  method: 'POST' | 'PUT',
  path: string,
  body: unknown,
  schema: Schema<T>,
): Promise<T> {
  return parseAnswer(path, await sendChange(method, path, body), schema);
}

/** DELETEs an admin resource. */
export async function remove(path: string): Promise<void> {
  await sendChange('DELETE', path);
}

/**
 * Whether this browser signed in and has not signed out since: a hint, not a credential
 * (the session is the HttpOnly cookie, which scripts cannot see). Without it the page
 * shows the sign-in at once, rather than asking the server and getting a 401 that the
 * browser logs as an error on every first visit.
 */
const SIGNED_IN_HINT = 'cart-dashboard-signed-in';

function hint(on: boolean): void {
  try {
    if (on) localStorage.setItem(SIGNED_IN_HINT, '1');
    else localStorage.removeItem(SIGNED_IN_HINT);
  } catch {
    // Storage refused (a private mode): the page asks the server every time.
  }
}

function hinted(): boolean {
  try {
    return localStorage.getItem(SIGNED_IN_HINT) !== null;
  } catch {
    return true;
  }
}

/** Trades the admin token for a session cookie (POST /api/admin/session). */
export async function signIn(token: string): Promise<void> {
  const response = await send('/api/admin/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  if (response.status !== 204) throw await problemOf(response);
  hint(true);
}

/** Ends the session (DELETE /api/admin/session); harmless when there is none. */
export async function signOut(): Promise<void> {
  hint(false);
  const response = await send('/api/admin/session', { method: 'DELETE' });
  if (!response.ok) throw await problemOf(response);
}

/** Whether the browser holds a valid session (GET /api/admin/session). */
export async function hasSession(): Promise<boolean> {
  if (!hinted()) return false;
  const response = await send('/api/admin/session');
  hint(response.status !== 401);
  if (response.status === 401) return false;
  if (!response.ok) throw await problemOf(response);
  return true;
}
