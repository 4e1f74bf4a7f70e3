import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

/**
 * The OpenAPI document, generated from the same zod schemas that validate requests
 * (`/openapi.json`), and a browsable reference at `/docs`.
 */
export async function registerSwagger(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Cart API',
        version: '1.0.0',
        description:
          'A shopping-cart service. Money is integer minor units. Every change takes an optional `Idempotency-Key` and `If-Match`; errors are RFC 9457 problem+json with a stable `code` (see /docs/errors).',
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
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    uiConfig: { deepLinking: true },
  });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
}
