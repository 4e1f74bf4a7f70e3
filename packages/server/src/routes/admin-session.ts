import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as z from 'zod';
import { Timestamp } from '@cart/core';
import type { Config } from '../config.ts';
import { ADMIN_SESSION_MAX_AGE_SECONDS, type AdminSessions } from '../http/admin-session.ts';
import {
  ADMIN_SECURITY,
  ADMIN_SESSION_COOKIE,
  isAdminToken,
  isSecure,
  requireAdmin,
} from '../http/credentials.ts';
import { HttpProblem } from '../http/problem.ts';
import { ADMIN_READ } from '../http/route-policy.ts';

const Login = z.strictObject({
  token: z.string().min(1, 'must not be empty').max(512, 'must be at most 512 characters'),
});

const SessionView = z.strictObject({
  /** How this request was authenticated. */
  via: z.enum(['bearer', 'cookie']),
  /** When the cookie session ends; null for the bearer token (it does not expire). */
  expiresAt: z.nullable(Timestamp),
});

const COOKIE_PATH = '/api/admin';

function clearCookie(request: FastifyRequest, reply: FastifyReply): void {
  void reply.clearCookie(ADMIN_SESSION_COOKIE, {
    httpOnly: true,
    sameSite: 'strict',
    secure: isSecure(request),
    path: COOKIE_PATH,
  });
}

/**
 * `/api/admin/session`: the dashboard's login. `POST` trades the admin token for an
 * HttpOnly, SameSite=Strict cookie (Secure over HTTPS, sent only to /api/admin) holding
 * a signed session of at most 8 h, so the token itself never stays in the browser.
 * `GET` says whether the caller is signed in; `DELETE` signs out.
 */
const adminSessionRoutes: FastifyPluginAsyncZod<{ config: Config; sessions: AdminSessions }> = (
  app,
  { config, sessions },
) => {
  app.post(
    '/admin/session',
    {
      config: {
        errors: ['UNAUTHORIZED'],
        policy: {
          auth: 'none',
          csrf: 'origin',
          rateLimit: ['client', 'admin-login'],
          idempotent: false,
          body: 'json',
        },
      },
      schema: {
        tags: ['admin'],
        operationId: 'createAdminSession',
        summary: 'Sign in to the dashboard',
        description:
          'Checks the admin token (constant time) and answers 204 with the `admin_session` cookie: HttpOnly, SameSite=Strict, Path=/api/admin, Secure over HTTPS, 8 hours at most. A wrong token is 401; attempts count against the per-client rate limit.',
        body: Login,
        response: { 204: z.null() },
      },
    },
    (request, reply) => {
      // A login from another site's page is refused like any cross-site change.
      sessions.csrf.verifyOrigin(request, 'The dashboard can be signed in to');
      if (!isAdminToken(config, request.body.token)) {
        request.log.info('admin login refused');
        throw new HttpProblem(
          'UNAUTHORIZED',
          config.ADMIN_TOKEN === undefined
            ? 'Sign-in is off: the server was started without ADMIN_TOKEN.'
            : 'That admin token is not right.',
        );
      }
      void reply.setCookie(ADMIN_SESSION_COOKIE, sessions.issue(), {
        httpOnly: true,
        sameSite: 'strict',
        secure: isSecure(request),
        path: COOKIE_PATH,
        maxAge: ADMIN_SESSION_MAX_AGE_SECONDS,
      });
      request.log.info('admin login');
      void reply.header('cache-control', 'no-store').code(204).send(null);
      return undefined;
    },
  );

  app.get(
    '/admin/session',
    {
      config: { policy: ADMIN_READ },
      schema: {
        tags: ['admin'],
        operationId: 'getAdminSession',
        description: 'Answers who is signed in; `401` when the caller has no admin credential.',
        security: ADMIN_SECURITY,
        summary: 'Whether the caller is signed in as admin',
        response: { 200: SessionView },
      },
    },
    async (request, reply) => {
      // One check, which also says how the caller got in (a session is read once).
      const session = await requireAdmin(config, request);
      void reply.header('cache-control', 'no-store');
      if (session === null) return { via: 'bearer' as const, expiresAt: null };
      return {
        via: 'cookie' as const,
        expiresAt: new Date(session.expiresAt * 1000).toISOString(),
      };
    },
  );

  app.delete(
    '/admin/session',
    {
      config: {
        policy: {
          auth: 'none',
          csrf: 'origin',
          rateLimit: ['client'],
          idempotent: false,
          body: 'none',
        },
      },
      schema: {
        tags: ['admin'],
        operationId: 'deleteAdminSession',
        summary: 'Sign out of the dashboard',
        description:
          'Ends the session in the cookie (if any) on every instance, for good (it is refused from then on, restarts included), and clears the cookie; always 204, so signing out twice is harmless.',
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      sessions.csrf.verifyOrigin(request, 'The dashboard can be signed out of');
      const session = await sessions.verify(request.cookies[ADMIN_SESSION_COOKIE]);
      // Kept in the database: every instance refuses the session from now on.
      if (session) await sessions.revoke(session);
      clearCookie(request, reply);
      return reply.header('cache-control', 'no-store').code(204).send(null);
    },
  );

  return Promise.resolve();
};

export default adminSessionRoutes;
