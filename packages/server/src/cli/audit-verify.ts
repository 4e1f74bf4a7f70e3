import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  checkpointSignatureProblem,
  parseCheckpoint,
  type AuditCheckpoint,
} from '../audit/checkpoint.ts';
import { verifyChain } from '../audit/chain.ts';
import { AuditKeyError, loadAuditKeyring } from '../audit/keyring.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { createStorage } from '../storage/create-storage.ts';

const USAGE = 'usage: npm run audit:verify [-- --checkpoint FILE]';

/** Exits 2: the verification could not be run (configuration, database, arguments). */
class CannotRun extends Error {}

function readCheckpoint(file: string): AuditCheckpoint {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CannotRun(`cannot read the checkpoint ${file}: ${(error as Error).message}`);
  }
  const parsed = parseCheckpoint(text);
  if (!parsed.ok) throw new CannotRun(`checkpoint ${file} is ${parsed.reason}`);
  return parsed.checkpoint;
}

/**
 * `npm run audit:verify [-- --checkpoint FILE]`: walks the whole audit chain of the
 * database DATABASE_URL names, with the keys AUDIT_KEYS or AUDIT_KEY_FILE give (on SQLite
 * without either, `audit.key` next to the database file; this command never makes one).
 * Each record must match its HMAC under the key it names and link to the one before;
 * unkeyed (legacy) records are accepted only before the first keyed one, and counted.
 *
 * With `--checkpoint FILE` (written by `npm run audit:checkpoint`) it also checks the
 * checkpoint's signature, that the record it signed is still there with the same hash
 * (which pins every record before it), and that no unkeyed record came after it: so
 * records cut off the end, or a chain rewritten from the start, are found.
 *
 * Exits 0 when all holds; 1 naming the first record that does not (or the truncation,
 * the rewrite, the key it lacks, the bad signature); 2 when it cannot run.
 */
async function main(args: string[]): Promise<number> {
  let checkpointFile: string | undefined;
  try {
    checkpointFile = parseArgs({ args, options: { checkpoint: { type: 'string' } } }).values
      .checkpoint;
  } catch (error) {
    throw new CannotRun(`${(error as Error).message}\n${USAGE}`);
  }
  const checkpoint = checkpointFile === undefined ? null : readCheckpoint(checkpointFile);
  const config = loadConfig(process.env);
  const keyring = loadAuditKeyring(config, false);
  const storage = await createStorage(config, keyring);
  try {
    const problems: string[] = [];
    const result = await verifyChain(
      (after, limit) => storage.readAuditChain(after, limit),
      keyring,
    );
    const head = (await storage.listAudit({ limit: 1 }))[0]?.seq ?? 0;
    if (result.ok) {
      console.log(
        `audit chain intact: ${result.count} records, head ${result.headHash}; legacyRecords: ${result.legacyRecords}; keys: ${keyring.ids.join(', ') || 'none'}`,
      );
    } else if (result.kind === 'broken') {
      problems.push(
        `audit chain broken at record ${result.brokenSeq}: ${result.reason} (${result.count} records before it verified)`,
      );
    } else {
      problems.push(`audit chain unverifiable from record ${result.brokenSeq}: ${result.reason}`);
    }
    if (result.legacyRecords > 0)
      console.log(
        `note: records 1–${result.legacyRecords} are legacy (unkeyed SHA-256, written before the chain was keyed): only a checkpoint shows whether a database writer rewrote them`,
      );
    if (checkpoint !== null) {
      const name = `checkpoint ${checkpointFile} (record ${checkpoint.seq}, taken ${checkpoint.at})`;
      const signature = checkpointSignatureProblem(checkpoint, keyring);
      if (signature !== null) {
        problems.push(`${name}: ${signature}`);
      } else {
        const [signed] =
          checkpoint.seq === 0 ? [] : await storage.readAuditChain(checkpoint.seq - 1, 1);
        if (checkpoint.seq > 0 && signed?.seq !== checkpoint.seq)
          problems.push(
            `audit chain truncated: ${name} signed record ${checkpoint.seq}, but the chain now ends at record ${head}`,
          );
        else if (signed !== undefined && signed.hash !== checkpoint.hash)
          problems.push(
            `audit chain rewritten: record ${checkpoint.seq} no longer has the hash ${name} signed`,
          );
        else if (result.legacyRecords > checkpoint.legacyRecords)
          problems.push(
            `audit chain rewritten: ${result.legacyRecords} unkeyed records where ${name} had ${checkpoint.legacyRecords}`,
          );
        else console.log(`${name} holds: ${head - checkpoint.seq} records appended since`);
      }
    }
    for (const problem of problems) console.error(problem);
    return problems.length ? 1 : 0;
  } finally {
    await storage.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(
      error instanceof ConfigError || error instanceof AuditKeyError || error instanceof CannotRun
        ? error.message
        : `audit verification failed: ${String(error)}`,
    );
    process.exit(2);
  },
);
