import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import {
  createJsonSchemaTransform,
  createJsonSchemaTransformObject,
} from 'fastify-type-provider-zod';
import * as z from 'zod';
import {
  APPLIED_ACTION_WINDOW,
  Cart,
  CheckoutResult,
  CreatedCart,
  Discount,
  Line,
  Money,
  Problem,
  Product,
} from '@cart/core';
import type { Config } from '../../config.ts';
import { completeDocument, routeKey, type CartBounds } from '../../http/openapi.ts';
import { openApiPath, type RouteAnswers } from '../../http/route-answers.ts';

/**
 * The schemas the document names as components (`#/components/schemas/Cart`), so that
 * a generated client has one `Cart` type rather than one per operation.
 */
const components = z.registry<{ id: string }>();
for (const [id, schema] of Object.entries({
  Cart,
  CreatedCart,
  CheckoutResult,
  Line,
  Money,
  Problem,
  Product,
  Discount,
}))
  components.add(schema, { id });

/** Relative: the document describes the server it is fetched from. */
const SERVERS = [
  {
    url: '/',
    description:
      'The server that serves this document (local, staging or production alike); in production behind a TLS-terminating proxy',
    'x-internal': false,
  },
];

/** The API's version: see docs/versioning.md for what changes it. */
export const API_VERSION = '1.0.0';

/**
 * The OpenAPI document, generated from the same zod schemas that validate requests and
 * completed from the routes' declared policies and error codes (http/openapi.ts), at
 * `/openapi.json`; a browsable reference at `/docs`.
 */
export async function registerSwagger(app: FastifyInstance, config: Config): Promise<void> {
  const bounds: CartBounds = {
    lines: config.MAX_LINES_PER_CART,
    discounts: config.MAX_DISCOUNTS_PER_CART,
    appliedActionIds: Math.max(APPLIED_ACTION_WINDOW, config.MAX_BATCH_ACTIONS),
  };
  // Every documented route, as the transform meets it, for the completion.
  const routes = new Map<string, RouteAnswers>();
  const toJsonSchema = createJsonSchemaTransform({ schemaRegistry: components });
  const withComponents = createJsonSchemaTransformObject({ schemaRegistry: components });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Cart API',
        version: API_VERSION,
        summary: 'Carts, their lines, promo codes and checkout, with exact money.',
        description: [
          'A shopping-cart service. Money is integer minor units with its currency (`{"amount": 1250, "currency": "USD"}` is $12.50).',
          'Every change takes an `Idempotency-Key` (retry it safely), and every cart change an `If-Match` (change only the version you saw); every answer carries `X-Request-Id` and, under /api, the `RateLimit-Policy` and `RateLimit` fields.',
          'Errors are RFC 9457 `application/problem+json` with a stable `code`: each operation lists the codes it can answer, with an example of each, and /docs/errors says the cause, the fix and whether a retry can help.',
          'Guides: quickstart, idempotency and retries, rate limits, live events, versioning (docs/ in the repository).',
        ].join('\n\n'),
        license: { name: 'MIT', identifier: 'MIT' },
        // Whoever runs the shop: the operator answers for its API (docs/operations.md).
        contact: { name: 'The operator of this server' },
      },
      components: {
        securitySchemes: {
          cartToken: {
            type: 'http',
            scheme: 'bearer',
            description: 'The cart token from POST /api/carts',
          },
          cartCookie: {
            type: 'apiKey',
            in: 'cookie',
            name: 'cart_token',
            description: 'Browsers: with X-CSRF-Token',
          },
          adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' },
          adminSession: {
            type: 'apiKey',
            in: 'cookie',
            name: 'admin_session',
            description:
              'The dashboard login (POST /api/admin/session); changes also need X-CSRF-Token',
          },
        },
      },
      tags: [
        { name: 'carts', description: 'Carts and their changes' },
        { name: 'catalog', description: 'Products' },
        { name: 'admin', description: 'Catalog, discount codes and audit log (admin credential)' },
        { name: 'ops', description: 'Health and readiness' },
        {
          name: 'monitoring',
          description:
            'Errors, analytics, live series, alerts and audit-chain status (admin credential)',
        },
      ],
    },
    transform: (input) => {
      const { route, url } = input;
      if (input.schema !== undefined && input.schema.hide !== true)
        for (const method of [route.method].flat()) {
          if (method === 'HEAD') continue;
          routes.set(routeKey(method, url), {
            method,
            path: openApiPath(url),
            operationId: (input.schema as { operationId?: string }).operationId,
            policy: route.config?.policy,
            errors: route.config?.errors ?? [],
          });
        }
      return toJsonSchema(input);
    },
    transformObject: (input) => ({
      ...completeDocument(withComponents(input) as Record<string, unknown>, routes, bounds),
      servers: SERVERS,
    }),
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    uiConfig: { deepLinking: true },
  });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
}
