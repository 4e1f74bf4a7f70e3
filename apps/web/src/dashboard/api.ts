/**
 * The dashboard's one way to the server: same-origin JSON requests that carry the
 * admin session cookie, answers checked against the core schemas, and problem+json
 * errors turned into `ApiError`s with the server's words. A 401 on any admin request
 * means the session ended: the app is told once, and shows the sign-in screen.
 */

/** What a core zod schema offers; kept structural so this file needs no zod import. */
export interface Schema<T> {
  safeParse(
    value: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: readonly { path: PropertyKey[]; message: string }[] } };
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null = null,
    readonly requestId: string | null = null,
  ) {
    super(message);
  }
}

let onSessionEnded: (() => void) | null = null;

/** Called when an admin request answers 401 (the session expired or was revoked). */
export function onUnauthorized(handler: (() => void) | null): void {
  onSessionEnded = handler;
}

async function problemOf(response: Response): Promise<ApiError> {
  let detail = `The server answered ${response.status} ${response.statusText}.`.replace(' .', '.');
  let code: string | null = null;
  let requestId = response.headers.get('x-request-id');
  try {
    const body = (await response.json()) as {
      detail?: unknown;
      code?: unknown;
      requestId?: unknown;
    };
    if (typeof body.detail === 'string') detail = body.detail;
    if (typeof body.code === 'string') code = body.code;
    if (typeof body.requestId === 'string') requestId = body.requestId;
  } catch {
    // Not a problem document (a proxy's error page): keep the status line.
  }
  return new ApiError(detail, response.status, code, requestId);
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
    throw new ApiError('The server cannot be reached. Check your connection.', 0);
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
  if (response.status === 401) {
    onSessionEnded?.();
    throw await problemOf(response);
  }
  if (!response.ok) throw await problemOf(response);
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

/** Trades the admin token for a session cookie (POST /api/admin/session). */
export async function signIn(token: string): Promise<void> {
  const response = await send('/api/admin/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  if (response.status !== 204) throw await problemOf(response);
}

/** Ends the session (DELETE /api/admin/session); harmless when there is none. */
export async function signOut(): Promise<void> {
  const response = await send('/api/admin/session', { method: 'DELETE' });
  if (!response.ok) throw await problemOf(response);
}

/** Whether the browser holds a valid session (GET /api/admin/session). */
export async function hasSession(): Promise<boolean> {
  const response = await send('/api/admin/session');
  if (response.status === 401) return false;
  if (!response.ok) throw await problemOf(response);
  return true;
}
