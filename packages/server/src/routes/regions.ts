// Regions and shipping options: `GET /api/regions` for everyone (a storefront's country
// selector), and their admin CRUD under `/api/admin/regions` and
// `/api/admin/shipping-options`, audited like every catalog change.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as z from 'zod';
import {
  Id,
  Region,
  RegionInput,
  RegionList,
  ShippingOption,
  ShippingOptionInput,
  ShippingOptionList,
} from '@cart/core';
import type { Config } from '../config.ts';
import type { CatalogService } from '../domain/catalog-service.ts';
import { ADMIN_SECURITY, adminOnly } from '../http/credentials.ts';
import { catalogMeta, sendCatalog } from '../http/reply.ts';
import { ADMIN_READ, adminChange, PUBLIC_READ } from '../http/route-policy.ts';
import type { Storage } from '../storage/port.ts';

const IdParams = z.strictObject({ id: Id });

/** `GET /api/regions`: where the shop sells, in what currency, and how it taxes. */
export const regionRoutes: FastifyPluginAsyncZod<{ storage: Storage }> = (app, { storage }) => {
  app.get(
    '/regions',
    {
      config: { policy: PUBLIC_READ },
      schema: {
        tags: ['catalog'],
        operationId: 'listRegions',
        summary: 'List the regions',
        description:
          'Every region, the default first: its countries, currency and tax rule. A storefront offers these countries; a cart moves to a region with `PATCH /api/carts/{id}` and `country`.',
        response: { 200: RegionList },
      },
    },
    async () => ({ items: await storage.listRegions() }),
  );
  return Promise.resolve();
};

/** `/api/admin/regions` and `/api/admin/shipping-options`, behind the admin credential. */
export const adminRegionRoutes: FastifyPluginAsyncZod<{
  storage: Storage;
  catalog: CatalogService;
  config: Config;
}> = (app, { storage, catalog, config }) => {
  app.addHook('onRequest', adminOnly(config));
  const admin = { tags: ['admin'], security: ADMIN_SECURITY };

  app.get(
    '/admin/regions',
    {
      config: { policy: ADMIN_READ },
      schema: {
        ...admin,
        operationId: 'listAdminRegions',
        summary: 'List the regions',
        description: 'Every region, the default first.',
        response: { 200: RegionList },
      },
    },
    async () => ({ items: await storage.listRegions() }),
  );

  app.post(
    '/admin/regions',
    {
      config: { policy: adminChange('json'), errors: ['ALREADY_EXISTS'] },
      schema: {
        ...admin,
        operationId: 'createRegion',
        summary: 'Create a region',
        description:
          'Adds a region; audited. A country listed by another region answers `409 ALREADY_EXISTS`. Created as the default, it takes the mark from the region that had it.',
        body: RegionInput,
        response: { 201: Region },
      },
    },
    async (request, reply) =>
      sendCatalog(request, reply, await catalog.createRegion(request.body, catalogMeta(request))),
  );

  app.put(
    '/admin/regions/:id',
    {
      config: {
        policy: adminChange('json'),
        errors: ['NOT_FOUND', 'ALREADY_EXISTS', 'REGION_IN_USE'],
      },
      schema: {
        ...admin,
        operationId: 'updateRegion',
        summary: 'Replace a region',
        description:
          'Replaces a region; audited. Carts keep the tax rule they were priced with until checkout, which re-prices them (`409 PRICES_CHANGED`). Its currency cannot change while shipping options are priced in it or open carts are in it, nor can the only default region stop being the default (`409 REGION_IN_USE`).',
        params: IdParams,
        body: RegionInput,
        response: { 200: Region },
      },
    },
    async (request, reply) =>
      sendCatalog(
        request,
        reply,
        await catalog.updateRegion(request.params.id, request.body, catalogMeta(request)),
      ),
  );

  app.delete(
    '/admin/regions/:id',
    {
      config: { policy: adminChange('none'), errors: ['NOT_FOUND', 'REGION_IN_USE'] },
      schema: {
        ...admin,
        operationId: 'deleteRegion',
        summary: 'Delete a region',
        description:
          'Removes a region; audited. The default region, and a region with shipping options or open carts, answer `409 REGION_IN_USE`.',
        params: IdParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) =>
      sendCatalog(
        request,
        reply,
        await catalog.deleteRegion(request.params.id, catalogMeta(request)),
      ),
  );

  app.get(
    '/admin/shipping-options',
    {
      config: { policy: ADMIN_READ },
      schema: {
        ...admin,
        operationId: 'listShippingOptions',
        summary: 'List the shipping options',
        description: 'Every shipping option of every region.',
        response: { 200: ShippingOptionList },
      },
    },
    async () => ({ items: await storage.listShippingOptions() }),
  );

  app.post(
    '/admin/shipping-options',
    {
      config: { policy: adminChange('json'), errors: ['ALREADY_EXISTS'] },
      schema: {
        ...admin,
        operationId: 'createShippingOption',
        summary: 'Create a shipping option',
        description:
          "Adds a way to ship within a region; audited. Its amount must be in the region's currency (`400 VALIDATION_FAILED` otherwise, and for a region that does not exist).",
        body: ShippingOptionInput,
        response: { 201: ShippingOption },
      },
    },
    async (request, reply) =>
      sendCatalog(
        request,
        reply,
        await catalog.createShippingOption(request.body, catalogMeta(request)),
      ),
  );

  app.put(
    '/admin/shipping-options/:id',
    {
      config: { policy: adminChange('json'), errors: ['NOT_FOUND'] },
      schema: {
        ...admin,
        operationId: 'updateShippingOption',
        summary: 'Replace a shipping option',
        description:
          'Replaces a shipping option; audited. Carts that chose it keep its old terms until checkout, which re-prices them (`409 PRICES_CHANGED`).',
        params: IdParams,
        body: ShippingOptionInput,
        response: { 200: ShippingOption },
      },
    },
    async (request, reply) =>
      sendCatalog(
        request,
        reply,
        await catalog.updateShippingOption(request.params.id, request.body, catalogMeta(request)),
      ),
  );

  app.delete(
    '/admin/shipping-options/:id',
    {
      config: { policy: adminChange('none'), errors: ['NOT_FOUND'] },
      schema: {
        ...admin,
        operationId: 'deleteShippingOption',
        summary: 'Delete a shipping option',
        description:
          'Removes a shipping option; audited. Carts that chose it are refused `SHIPPING_OPTION_UNAVAILABLE` at checkout and choose again.',
        params: IdParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) =>
      sendCatalog(
        request,
        reply,
        await catalog.deleteShippingOption(request.params.id, catalogMeta(request)),
      ),
  );
  return Promise.resolve();
};
