import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The keys of the audit chain. Each record's hash is an HMAC under one of them, and none
 * is ever stored in the database: whoever can only write the database (or has a copy of
 * it) cannot recompute a hash the verifier accepts. The first key of the ring signs new
 * records; the others only verify the records they signed (rotation: put the new key
 * first, keep the old ones after it for as long as their records must verify).
 */
export interface AuditKey {
  /** Recorded with each record it signs: 1–32 letters, digits, ".", "_" or "-". */
  id: string;
  secret: Buffer;
}

/** A key, a key file or the key text is unusable; the message says which and why. */
export class AuditKeyError extends Error {
  override name = 'AuditKeyError';
}

/** The least an HMAC-SHA-256 key may have: as many bytes as the hash. */
export const MIN_KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9._-]{1,32}$/;
/** Standard or URL-safe base64 (Node decodes both alphabets). */
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * `id:base64secret` entries separated by commas or line breaks (a `#` starts a comment),
 * first the key that signs. The format of AUDIT_KEYS and of a key file.
 */
export function parseAuditKeys(text: string): AuditKey[] {
  const entries = text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*$/, ''))
    .flatMap((line) => line.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new AuditKeyError('holds no key (id:base64secret)');
  const keys: AuditKey[] = [];
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon);
    const encoded = colon < 0 ? '' : entry.slice(colon + 1);
    if (!KEY_ID.test(id) || !BASE64.test(encoded))
      throw new AuditKeyError(
        'must be id:base64secret entries (id: 1–32 letters, digits, ".", "_" or "-")',
      );
    const secret = Buffer.from(encoded, 'base64');
    if (secret.length < MIN_KEY_BYTES)
      throw new AuditKeyError(
        `key "${id}" has ${secret.length} bytes; at least ${MIN_KEY_BYTES} are needed (openssl rand -base64 32)`,
      );
    if (keys.some((k) => k.id === id)) throw new AuditKeyError(`names key "${id}" twice`);
    keys.push({ id, secret });
  }
  return keys;
}

export class AuditKeyring {
  private readonly byId: ReadonlyMap<string, AuditKey>;

  /** `keys`: the signing key first. `source` says where they came from (for messages). */
  constructor(
    readonly keys: readonly AuditKey[],
    readonly source: string,
  ) {
    this.byId = new Map(keys.map((k) => [k.id, k]));
  }

  /** The key new records are signed with, or null (a ring that can only verify, or nothing). */
  get signing(): AuditKey | null {
    return this.keys[0] ?? null;
  }

  /** The key of `id`, if the ring holds it. */
  get(id: string): AuditKey | undefined {
    return this.byId.get(id);
  }

  get ids(): string[] {
    return this.keys.map((k) => k.id);
  }

  /** The signing key, or an error saying there is none (a writer needs one). */
  requireSigning(): AuditKey {
    const key = this.signing;
    if (!key) throw new AuditKeyError(`no audit key to sign with (${this.source})`);
    return key;
  }
}

/** A fresh random key, for a key file being created or a database that lives in memory. */
export function generateAuditKey(): AuditKey {
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  return { id: `k${day}-${randomBytes(2).toString('hex')}`, secret: randomBytes(32) };
}

const keyFileText = (key: AuditKey) =>
  '# Audit chain key (docs/security.md#the-audit-log). Keep it out of database backups;\n' +
  '# without it the audit chain cannot be verified. First line signs; put a new key first\n' +
  '# and keep the old ones below it when rotating.\n' +
  `${key.id}:${key.secret.toString('base64')}\n`;

/** Reads a key file; `create`: makes one (mode 0600, one random key) when it does not exist. */
export function readAuditKeyFile(path: string, create: boolean): AuditKeyring | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new AuditKeyError(`cannot read the audit key file ${path}: ${String(error)}`);
    if (!create) return null;
    mkdirSync(dirname(path), { recursive: true });
    const key = generateAuditKey();
    try {
      // wx: two processes starting at once on one SQLite file keep the first one's key.
      writeFileSync(path, keyFileText(key), { flag: 'wx', mode: 0o600 });
      return new AuditKeyring([key], `audit key file ${path}`);
    } catch (raced) {
      if ((raced as NodeJS.ErrnoException).code !== 'EEXIST') throw raced;
      text = readFileSync(path, 'utf8');
    }
  }
  try {
    return new AuditKeyring(parseAuditKeys(text), `audit key file ${path}`);
  } catch (error) {
    throw new AuditKeyError(`audit key file ${path} ${(error as Error).message}`);
  }
}

/** What decides where the keys come from (a subset of the configuration). */
export interface AuditKeySettings {
  DATABASE_URL: string;
  AUDIT_KEYS?: AuditKey[] | undefined;
  AUDIT_KEY_FILE?: string | undefined;
}

/** The key file a SQLite database uses when none is configured: `audit.key` in its folder. */
export function defaultAuditKeyFile(sqlitePath: string): string {
  return join(dirname(sqlitePath), 'audit.key');
}

/**
 * The keyring of a configuration: AUDIT_KEYS, else AUDIT_KEY_FILE (which must exist),
 * else, on SQLite only, `audit.key` next to the database file, created on first start
 * when `create` (the server); a reader (`audit:verify`) never creates one. PostgreSQL
 * needs one of the two settings: several instances must sign with one key, and a key
 * each made for itself would leave the others' records unverifiable.
 */
export function loadAuditKeyring(settings: AuditKeySettings, create: boolean): AuditKeyring {
  if (settings.AUDIT_KEYS && settings.AUDIT_KEY_FILE)
    throw new AuditKeyError('set AUDIT_KEYS or AUDIT_KEY_FILE, not both');
  if (settings.AUDIT_KEYS) return new AuditKeyring(settings.AUDIT_KEYS, 'AUDIT_KEYS');
  if (settings.AUDIT_KEY_FILE) {
    const ring = readAuditKeyFile(settings.AUDIT_KEY_FILE, false);
    if (!ring) throw new AuditKeyError(`AUDIT_KEY_FILE ${settings.AUDIT_KEY_FILE} does not exist`);
    return ring;
  }
  const url = settings.DATABASE_URL;
  if (/^postgres(ql)?:/.test(url))
    throw new AuditKeyError(
      'AUDIT_KEYS or AUDIT_KEY_FILE must be set with PostgreSQL: every instance signs the audit chain with one key kept outside the database (docs/deploy.md)',
    );
  const path = url.replace(/^sqlite:/, '');
  if (path === ':memory:')
    return new AuditKeyring(
      create ? [generateAuditKey()] : [],
      'a key for this in-memory database',
    );
  const file = defaultAuditKeyFile(path);
  return (
    readAuditKeyFile(file, create) ??
    new AuditKeyring([], `no AUDIT_KEYS, no AUDIT_KEY_FILE, and ${file} does not exist`)
  );
}
