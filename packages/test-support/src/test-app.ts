/**
 * The real application for route and plugin unit tests, driven with `app.inject()`: a
 * fresh SQLite file in a temporary folder, log lines captured as parsed JSON (through the
 * production logger settings, redaction included), and small helpers for the answers
 * most tests need (a cart, a product, a problem document).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance, FastifyLoggerOptions, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import {
  ERROR_CATALOG,
  errorType,
  type Cart,
  type CreatedCart,
  type ErrorCode,
  type Problem,
  type Product,
  type ProductInput,
} from '@cart/core';
import { buildApp, loadConfig, loggerOptions, type Config, type Storage } from '@cart/server';
import { TEST_ADMIN_TOKEN } from './test-server.ts';

export { TEST_ADMIN_TOKEN };

export interface TestApp {
  app: FastifyInstance;
  config: Config;
  /** The SQLite file the app (or the storage a test made) works on. */
  databasePath: string;
  /** Every log line written so far, parsed. */
  logs: Record<string, unknown>[];
  /** Closes the app, then the test's own storage if it made one, and removes the folder. */
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Environment overrides (configuration is read through `loadConfig`). */
  env?: Record<string, string>;
  /** Makes the storage to pass to `buildApp`, from the SQLite file path. */
  storage?: (databasePath: string) => Storage;
  /** A SQLite file to use instead of a fresh one (a second instance on the same data). */
  databasePath?: string;
  /** Set false to add routes or hooks before calling `app.ready()` yourself. */
  ready?: boolean;
}

/** Builds the application on a fresh SQLite database, ready for `app.inject()`. */
export async function buildTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dir = options.databasePath ? null : mkdtempSync(join(tmpdir(), 'cart-unit-'));
  const databasePath = options.databasePath ?? join(dir ?? '', 'cart.db');
  const config = loadConfig({
    DATABASE_URL: `sqlite:${databasePath}`,
    SEED_DEMO: 'false',
    LOG_LEVEL: 'info',
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    ...options.env,
  });
  const logs: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const storage = options.storage?.(databasePath);
  const app = await buildApp(config, {
    logger: { ...(loggerOptions(config) as FastifyLoggerOptions), stream },
    ...(storage ? { storage } : {}),
  });
  if (options.ready !== false) await app.ready();
  return {
    app,
    config,
    databasePath,
    logs,
    async close() {
      await app.close();
      await storage?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
export const adminAuth = bearer(TEST_ADMIN_TOKEN);
export const JSON_TYPE = { 'content-type': 'application/json' };

/** A header's single value as a string ('' when absent). */
export function header(res: LightMyRequestResponse, name: string): string {
  const value = res.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : String(value ?? '');
}

export async function createCart(app: FastifyInstance): Promise<CreatedCart> {
  const res = await app.inject({ method: 'POST', url: '/api/carts' });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<CreatedCart>();
}

export async function readCart(
  app: FastifyInstance,
  cart: { id: string; token: string },
): Promise<Cart> {
  const res = await app.inject({ url: `/api/carts/${cart.id}`, headers: bearer(cart.token) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Cart>();
}

let skuCounter = 0;

export function productInput(overrides: Partial<ProductInput> = {}): ProductInput {
  skuCounter += 1;
  const sku = `unit-sku-${skuCounter}`;
  return {
    sku,
    name: `Mug ${sku}`,
    description: '',
    price: { amount: 1000, currency: 'USD' },
    prices: [],
    // Not shipped unless a test says so: checkout then needs no address or shipping
    // option, and the tests about those set requiresShipping: true.
    requiresShipping: false,
    stock: null,
    maxPerOrder: null,
    imageUrl: null,
    ...overrides,
  };
}

export async function createProduct(
  app: FastifyInstance,
  overrides: Partial<ProductInput> = {},
): Promise<Product> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/admin/products',
    headers: adminAuth,
    payload: productInput(overrides),
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<Product>();
}

export async function addLine(
  app: FastifyInstance,
  cart: { id: string; token: string },
  productId: string,
  quantity = 1,
): Promise<Cart> {
  const res = await app.inject({
    method: 'POST',
    url: `/api/carts/${cart.id}/lines`,
    headers: bearer(cart.token),
    payload: { productId, quantity },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Cart>();
}

export type ProblemBody = Problem & { cart?: Cart };

/**
 * Asserts a problem+json answer with this status and code: media type, catalog title,
 * `type` link, nosniff, and a requestId equal to the X-Request-Id header.
 */
export function expectProblem(
  res: LightMyRequestResponse,
  status: number,
  code: ErrorCode,
): ProblemBody {
  expect({ status: res.statusCode, body: res.body }).toMatchObject({ status });
  expect(header(res, 'content-type')).toMatch(/^application\/problem\+json\b/);
  expect(header(res, 'x-content-type-options')).toBe('nosniff');
  const body = res.json<ProblemBody>();
  expect(body).toMatchObject({
    code,
    status,
    title: ERROR_CATALOG[code].title,
    type: errorType(code),
  });
  expect(body.requestId).toBe(header(res, 'x-request-id'));
  return body;
}

/** Log lines with this message. */
export function logLines(logs: Record<string, unknown>[], msg: string): Record<string, unknown>[] {
  return logs.filter((l) => l.msg === msg);
}
