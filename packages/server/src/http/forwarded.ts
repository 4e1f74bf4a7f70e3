import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { Config } from '../config.ts';

/**
 * One address as proxies write it in `X-Forwarded-For`: `203.0.113.7`, `203.0.113.7:4711`,
 * `2001:db8::1`, `[2001:db8::1]` or `[2001:db8::1]:443`. Answers the bare address, or null
 * when the text is not an IP address at all ("unknown", "not-an-ip", a host name, "").
 */
export function parseForwardedAddress(text: string): string | null {
  let value = text.trim();
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(value);
  if (bracketed) value = bracketed[1] ?? '';
  else if (/^[\d.]+:\d{1,5}$/.test(value)) value = value.slice(0, value.lastIndexOf(':'));
  return isIP(value) === 0 ? null : value.toLowerCase();
}

/**
 * Rewrites the request's `X-Forwarded-For` to the addresses that can be believed, nearest
 * hop first, before anything reads `request.ip`. The list is read from the right (the hop
 * nearest to us) and cut at the first entry that is not an IP address: that entry, and
 * whatever it claims came before it, are dropped. So `request.ip` (Fastify's proxy-addr
 * walk over the trusted hops) is always an IP address: the client's as the proxies say,
 * else the last trusted hop's, else the socket's. "not-an-ip" gets no rate-limit bucket
 * of its own and never reaches the audit log.
 */
export function cleanForwardedFor(request: IncomingMessage): void {
  const header = request.headers['x-forwarded-for'];
  if (header === undefined) return;
  const entries = (Array.isArray(header) ? header.join(',') : header).split(',');
  const kept: string[] = [];
  for (let i = entries.length - 1; i >= 0; i--) {
    const address = parseForwardedAddress(entries[i] ?? '');
    if (address === null) break;
    kept.unshift(address);
  }
  if (kept.length === 0) delete request.headers['x-forwarded-for'];
  else request.headers['x-forwarded-for'] = kept.join(', ');
}

type TrustProxy = boolean | string[] | ((address: string, hop: number) => boolean);

/**
 * TRUST_PROXY as Fastify takes it. A hop count is given as a function: Fastify takes a
 * bare number to mean "trust nothing" (it cannot check the nearest peer), which would
 * silently key every client on the proxy's address; `n` here trusts the `n` nearest hops,
 * with the same caveat as `true` (docs/deploy.md): only the proxy may reach the instance.
 */
export function trustProxyOption(trust: Config['TRUST_PROXY']): TrustProxy {
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return trust;
}
