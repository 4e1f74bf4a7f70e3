/**
 * The soak's watchdog (started by soak-cleanup.ts, not run by hand): reads on stdin what
 * the soak has left behind, one JSON message a line (`add` a leftover, `remove` it once
 * undone), and when stdin closes undoes whatever is still registered: kills processes,
 * removes directories, drops databases. After a normal end nothing is registered and it
 * just exits; it only acts when the soak died without cleaning up.
 */
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Leftover, WatchdogMessage } from './soak-cleanup.ts';

const pending = new Map<number, Leftover>();

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Processes first, so that nothing holds the directories and databases any more. */
async function undo(leftovers: Leftover[]): Promise<string[]> {
  const problems: string[] = [];
  for (const l of leftovers) {
    // Never 0 or -1 (process.kill would signal a whole group, or everything).
    if (l.kind !== 'process' || !Number.isInteger(l.pid) || l.pid <= 1) continue;
    try {
      process.kill(l.group ? -l.pid : l.pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  await sleep(500);
  for (const l of leftovers) {
    try {
      if (l.kind === 'directory') rmSync(l.path, { recursive: true, force: true });
      if (l.kind === 'database') await dropDatabase(l.adminUrl, l.name);
    } catch (error) {
      problems.push(
        `${JSON.stringify(l)}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  return problems;
}

// Its own process group already; a signal meant for the soak must not stop it either.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const message = JSON.parse(line) as WatchdogMessage;
  if (message.op === 'add') pending.set(message.id, message.leftover);
  else pending.delete(message.id);
});
lines.on('close', () => {
  const leftovers = [...pending.values()];
  if (leftovers.length === 0) process.exit(0);
  void undo(leftovers).then((problems) => {
    process.stderr.write(
      `soak watchdog: the soak ended without cleaning up; undid ${leftovers.length - problems.length} of ${leftovers.length} leftovers\n`,
    );
    for (const problem of problems) process.stderr.write(`soak watchdog: ${problem}\n`);
    process.exit(problems.length > 0 ? 1 : 0);
  });
});
