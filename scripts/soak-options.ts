/**
 * The soak's settings: command-line flags first, then SOAK_* environment variables, then
 * defaults. Checked here, so that a typo stops the run before anything is started.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

export type TargetName = 'sqlite' | 'postgres';
export type Mode = 'parallel' | 'sequential';

export interface SoakOptions {
  /** The whole run, setup and verification included. */
  minutes: number;
  /** Both targets at once (each gets the whole time), or one after the other (half each). */
  mode: Mode;
  targets: TargetName[];
  /** Concurrent virtual shoppers per target. */
  shoppers: number;
  /** Where the JSON report goes. */
  out: string;
  /** A role that may create and drop databases; its database is only connected to. */
  pgAdminUrl: string;
  redisUrl: string;
}

export const REPO_ROOT = resolve(import.meta.dirname, '..');

const USAGE = `usage: npm run soak -- [--minutes N] [--mode parallel|sequential] [--targets sqlite,postgres] [--shoppers N] [--out FILE]
  (or SOAK_MINUTES, SOAK_MODE, SOAK_TARGETS, SOAK_SHOPPERS, SOAK_OUT, SOAK_PG_ADMIN_URL, SOAK_REDIS_URL)`;

export class UsageError extends Error {}

function positive(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`${name} must be > 0\n${USAGE}`);
  return value;
}

export function readOptions(
  args: string[],
  env: NodeJS.ProcessEnv,
  today = new Date(),
): SoakOptions {
  let flags;
  try {
    flags = parseArgs({
      args,
      options: {
        minutes: { type: 'string' },
        mode: { type: 'string' },
        targets: { type: 'string' },
        shoppers: { type: 'string' },
        out: { type: 'string' },
      },
    }).values;
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const minutes = positive('--minutes', flags.minutes ?? env.SOAK_MINUTES ?? '10');
  const shoppers = Math.round(positive('--shoppers', flags.shoppers ?? env.SOAK_SHOPPERS ?? '12'));
  const mode = flags.mode ?? env.SOAK_MODE ?? 'parallel';
  if (mode !== 'parallel' && mode !== 'sequential')
    throw new UsageError(`--mode must be parallel or sequential\n${USAGE}`);
  const targets = (flags.targets ?? env.SOAK_TARGETS ?? 'sqlite,postgres')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  for (const t of targets)
    if (t !== 'sqlite' && t !== 'postgres')
      throw new UsageError(`unknown target ${t}: sqlite or postgres\n${USAGE}`);
  if (targets.length === 0) throw new UsageError(`no target\n${USAGE}`);
  const day = today.toISOString().slice(0, 10);
  return {
    minutes,
    mode,
    targets: [...new Set(targets)] as TargetName[],
    shoppers,
    out: resolve(
      flags.out ?? env.SOAK_OUT ?? join(REPO_ROOT, 'bench', 'results', `soak-${day}.json`),
    ),
    pgAdminUrl: env.SOAK_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    redisUrl: env.SOAK_REDIS_URL ?? 'redis://127.0.0.1:6379',
  };
}
