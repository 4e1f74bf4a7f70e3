import { verifyChain } from '../audit/chain.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { createStorage } from '../storage/create-storage.ts';

/**
 * `npm run audit:verify`: walks the whole audit chain of the database DATABASE_URL
 * names. Exits 0 when every record matches its hash and links to the one before;
 * otherwise exits 1 naming the first record (by its seq id) that does not.
 */
async function main(): Promise<number> {
  const config = loadConfig(process.env);
  const storage = await createStorage(config);
  try {
    const result = await verifyChain((after, limit) => storage.readAuditChain(after, limit));
    if (result.ok) {
      console.log(`audit chain intact: ${result.count} records, head ${result.headHash}`);
      return 0;
    }
    console.error(
      `audit chain broken at record ${result.brokenSeq}: ${result.reason} (${result.count} records before it verified)`,
    );
    return 1;
  } finally {
    await storage.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(
      error instanceof ConfigError ? error.message : `audit verification failed: ${String(error)}`,
    );
    process.exit(2);
  },
);
