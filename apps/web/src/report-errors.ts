/**
 * Browser error reporting, shared by every page of the web app: uncaught errors and
 * unhandled promise rejections are sent to `POST /api/client-errors` (a
 * `ClientErrorReport`), where the server groups them with its own errors for the
 * dashboard. Sent with `navigator.sendBeacon` so a report survives the page unloading,
 * else with a keep-alive `fetch`. At most `maxReports` a page load, each distinct error
 * once, and nothing that looks like an e-mail address or a long secret leaves the page.
 */
import type { ClientErrorReport } from '@cart/core';

export interface ErrorReporterOptions {
  /** Where reports go; `/api/client-errors` by default. */
  endpoint?: string;
  /** Reports sent at most per page load (a loop that throws must not flood the server). */
  maxReports?: number;
}

const CLASS_NAME = /^[A-Za-z_$][A-Za-z0-9_$.]{0,63}$/;
const EMAIL = /[^\s@<>()"',;:]+@[^\s@<>()"',;:]+\.[A-Za-z]{2,}/g;
// Cart tokens are 43 base64url characters; any run that long is more likely a secret than prose.
const LONG_SECRET = /[A-Za-z0-9_-]{32,}/g;

/**
 * Browser notices that arrive as errors but are not failures of the page: a
 * ResizeObserver that could not deliver every notification in one frame (it delivers
 * them in the next).
 */
const BENIGN = [/^ResizeObserver loop (limit exceeded|completed with undelivered notifications)/];

export const isBenign = (message: string): boolean => BENIGN.some((re) => re.test(message));

/** Drops e-mail addresses, long token-like runs and query strings from a text. */
export function scrub(text: string): string {
  return text
    .replace(EMAIL, '[email]')
    .replace(/(https?:\/\/[^\s?#)]+)[?#][^\s)]*/g, '$1')
    .replace(LONG_SECRET, '[redacted]');
}

/** The report for a thrown value (or whatever else was thrown or rejected). */
export function toReport(error: unknown, fallbackMessage: string, page: string): ClientErrorReport {
  const e = error instanceof Error ? error : null;
  const errorClass = e && CLASS_NAME.test(e.name) ? e.name : 'Error';
  const message = scrub(e ? e.message : typeof error === 'string' ? error : fallbackMessage);
  return {
    errorClass,
    message: message.slice(0, 1000) || 'Unknown error',
    stack: scrub(e?.stack ?? '').slice(0, 8000),
    page: pagePath(page),
  };
}

/** The page's path as the server accepts it: visible ASCII, no query or fragment, ≤ 200. */
function pagePath(pathname: string): string {
  const path = encodeURI(decodeURIComponentSafe(pathname)).replace(/[?#].*$/, '');
  return path.startsWith('/') ? path.slice(0, 200) : '/';
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURI(s);
  } catch {
    return s;
  }
}

/** Sends one report; never throws (reporting an error must not cause another). */
export function sendReport(report: ClientErrorReport, endpoint = '/api/client-errors'): void {
  const body = JSON.stringify(report);
  try {
    const blob = new Blob([body], { type: 'application/json' });
    if (navigator.sendBeacon?.(endpoint, blob)) return;
  } catch {
    // Some browsers refuse a JSON beacon; fall back to fetch.
  }
  fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    keepalive: true,
    credentials: 'same-origin',
  }).catch(() => undefined);
}

/**
 * Starts reporting this window's uncaught errors and unhandled rejections. Returns a
 * function that stops it.
 */
export function installErrorReporter(options: ErrorReporterOptions = {}): () => void {
  const endpoint = options.endpoint ?? '/api/client-errors';
  const maxReports = options.maxReports ?? 10;
  const seen = new Set<string>();

  const report = (error: unknown, fallbackMessage: string) => {
    if (seen.size >= maxReports) return;
    const r = toReport(error, fallbackMessage, window.location.pathname);
    const key = `${r.errorClass}\u0000${r.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    sendReport(r, endpoint);
  };
  const onError = (event: ErrorEvent) => {
    // A failed <script> or <img> load is an Event without an error: not ours to group.
    if (event.error === undefined && event.message === '') return;
    if (isBenign(event.message)) return;
    report(event.error, event.message);
  };
  const onRejection = (event: PromiseRejectionEvent) =>
    report(event.reason, 'Unhandled promise rejection');

  window.addEventListener('error', onError);
  window.addEventListener('unhandledrejection', onRejection);
  return () => {
    window.removeEventListener('error', onError);
    window.removeEventListener('unhandledrejection', onRejection);
  };
}
