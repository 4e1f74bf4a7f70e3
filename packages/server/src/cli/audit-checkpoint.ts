import { renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { signCheckpoint } from '../audit/checkpoint.ts';
import { verifyChain } from '../audit/chain.ts';
import { AuditKeyError, loadAuditKeyring } from '../audit/keyring.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { createStorage } from '../storage/create-storage.ts';

const USAGE = 'usage: npm run audit:checkpoint [-- FILE]   (without FILE: to stdout)';

/**
 * `npm run audit:checkpoint [-- FILE]`: verifies the whole audit chain (as
 * `audit:verify` does), then writes its head, signed (src/audit/checkpoint.ts), to FILE
 * or to stdout: JSON of the newest record's seq and hash, the count of legacy records,
 * the time, the key id and an HMAC over them. Keep checkpoints where the database's
 * writers cannot reach (another host, write-once storage): `audit:verify --checkpoint`
 * then finds any record at or before it removed or rewritten.
 *
 * Exits 0 when written; 1 when the chain does not verify (nothing is signed); 2 when it
 * cannot run (no key to sign with, configuration, database).
 */
async function main(args: string[]): Promise<number> {
  let file: string | undefined;
  try {
    const parsed = parseArgs({ args, allowPositionals: true, options: {} });
    if (parsed.positionals.length > 1) throw new Error('one FILE at most');
    file = parsed.positionals[0];
  } catch (error) {
    throw new AuditKeyError(`${(error as Error).message}\n${USAGE}`);
  }
  const config = loadConfig(process.env);
  const keyring = loadAuditKeyring(config, false);
  const key = keyring.requireSigning();
  const storage = await createStorage(config, keyring);
  try {
    const result = await verifyChain(
      (after, limit) => storage.readAuditChain(after, limit),
      keyring,
    );
    if (!result.ok) {
      console.error(
        `no checkpoint written: audit chain ${result.kind} at record ${result.brokenSeq}: ${result.reason}`,
      );
      return 1;
    }
    const checkpoint = signCheckpoint(
      { seq: result.count, hash: result.headHash, legacyRecords: result.legacyRecords },
      key,
    );
    const text = `${JSON.stringify(checkpoint, null, 2)}\n`;
    if (file === undefined) {
      process.stdout.write(text);
    } else {
      // Written whole or not at all: a reader never finds half a checkpoint.
      const partial = `${file}.partial`;
      writeFileSync(partial, text, { mode: 0o644 });
      renameSync(partial, file);
    }
    console.error(
      `audit checkpoint: record ${checkpoint.seq}, head ${checkpoint.hash}, key "${key.id}"${file === undefined ? '' : ` → ${file}`}`,
    );
    return 0;
  } finally {
    await storage.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(
      error instanceof ConfigError || error instanceof AuditKeyError
        ? error.message
        : `audit checkpoint failed: ${String(error)}`,
    );
    process.exit(2);
  },
);
