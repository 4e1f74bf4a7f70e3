import * as fs from 'node:fs';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AuditKeyError,
  AuditKeyring,
  MIN_KEY_BYTES,
  defaultAuditKeyFile,
  generateAuditKey,
  loadAuditKeyring,
  parseAuditKeys,
  readAuditKeyFile,
  type AuditKey,
} from './keyring.ts';

// writeFileSync stays the real one unless a test says otherwise (the race of two
// processes creating one key file at once).
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof fs>();
  return { ...actual, writeFileSync: vi.fn(actual.writeFileSync) };
});
const realFs = await vi.importActual<typeof fs>('node:fs');

const secretA = Buffer.alloc(32, 7);
const secretB = Buffer.alloc(40, 8);
const b64A = secretA.toString('base64');
const keyA: AuditKey = { id: 'a', secret: secretA };
const keyB: AuditKey = { id: 'b', secret: secretB };

const posix = process.platform !== 'win32';
const modeOf = (path: string) => statSync(path).mode & 0o777;

/** What `fn` throws: an AuditKeyError, with its message. */
function keyError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AuditKeyError);
    expect((error as Error).name).toBe('AuditKeyError');
    return (error as Error).message;
  }
  throw new Error('expected an AuditKeyError, nothing was thrown');
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cart-keyring-'));
});
afterEach(() => {
  vi.mocked(fs.writeFileSync).mockReset();
  vi.mocked(fs.writeFileSync).mockImplementation(realFs.writeFileSync);
  rmSync(dir, { recursive: true, force: true });
});

describe('parseAuditKeys', () => {
  it('reads entries separated by commas, LF or CRLF, skipping comments and blanks', () => {
    const keys = parseAuditKeys(
      `# signing key first\r\n new.1:${b64A} # trailing\r\n\r\nold_2:${secretB.toString('base64url')},  ,z-3:${Buffer.alloc(33, 3).toString('base64')}\n`,
    );
    expect(keys.map((k) => k.id)).toEqual(['new.1', 'old_2', 'z-3']);
    expect(keys[0]?.secret.equals(secretA)).toBe(true);
    expect(keys[1]?.secret.equals(secretB)).toBe(true);
    expect(keys[2]?.secret.equals(Buffer.alloc(33, 3))).toBe(true);
  });

  it('accepts an id of 32 characters and a secret of exactly MIN_KEY_BYTES, padded or not', () => {
    const id = 'x'.repeat(32);
    expect(parseAuditKeys(`${id}:${b64A}`)[0]?.id).toBe(id);
    expect(MIN_KEY_BYTES).toBe(32);
    const unpadded = b64A.replace(/=+$/, '');
    expect(unpadded).not.toBe(b64A);
    expect(parseAuditKeys(`k:${unpadded}`)[0]?.secret.equals(secretA)).toBe(true);
  });

  it('keeps the text after the first colon as the secret', () => {
    // A colon is not base64: the whole rest of the entry is the secret, so it is refused.
    expect(keyError(() => parseAuditKeys(`k:${b64A}:extra`))).toMatch(/id:base64secret/);
  });

  it.each([
    ['no colon', b64A],
    ['an empty id', `:${b64A}`],
    ['an empty secret', 'k:'],
    ['a space in the id', `bad id:${b64A}`],
    ['a space before the colon', `k :${b64A}`],
    ['a space after the colon', `k: ${b64A}`],
    ['an id of 33 characters', `${'x'.repeat(33)}:${b64A}`],
    ['a character outside base64', `k:${b64A.slice(0, -2)}$$`],
    ['three padding characters', `k:${b64A.replace(/=*$/, '===')}`],
    ['padding in the middle', `k:${b64A.slice(0, 10)}=${b64A.slice(10)}`],
  ])('refuses an entry with %s', (_what, text) => {
    expect(keyError(() => parseAuditKeys(text))).toBe(
      'must be id:base64secret entries (id: 1–32 letters, digits, ".", "_" or "-")',
    );
  });

  it('refuses a secret shorter than 32 bytes, saying how long it is', () => {
    expect(keyError(() => parseAuditKeys(`k:${Buffer.alloc(31, 1).toString('base64')}`))).toBe(
      'key "k" has 31 bytes; at least 32 are needed (openssl rand -base64 32)',
    );
    // Even after a good key.
    expect(
      keyError(() => parseAuditKeys(`a:${b64A},short:${Buffer.alloc(16).toString('base64')}`)),
    ).toContain('key "short" has 16 bytes');
  });

  it('refuses a key id named twice, even with different secrets', () => {
    expect(
      keyError(() => parseAuditKeys(`a:${b64A}\nb:${b64A}\na:${secretB.toString('base64')}`)),
    ).toBe('names key "a" twice');
  });

  it.each([
    ['empty text', ''],
    ['blanks', ' \n\t\r\n'],
    ['commas', ' , ,'],
    ['comments only', '# a:xyz\n   # nothing here'],
    ['a key that is commented out', `# a:${b64A}`],
  ])('refuses %s: no key', (_what, text) => {
    expect(keyError(() => parseAuditKeys(text))).toBe('holds no key (id:base64secret)');
  });
});

describe('AuditKeyring', () => {
  it('signs with its first key and verifies with all of them', () => {
    const ring = new AuditKeyring([keyB, keyA], 'somewhere');
    expect(ring.signing).toBe(keyB);
    expect(ring.requireSigning()).toBe(keyB);
    expect(ring.ids).toEqual(['b', 'a']);
    expect(ring.get('a')).toBe(keyA);
    expect(ring.get('c')).toBeUndefined();
    expect(ring.source).toBe('somewhere');
  });

  it('an empty ring has no signing key and says where it looked', () => {
    const ring = new AuditKeyring([], 'nowhere at all');
    expect(ring.signing).toBeNull();
    expect(ring.ids).toEqual([]);
    expect(ring.get('a')).toBeUndefined();
    expect(keyError(() => ring.requireSigning())).toBe(
      'no audit key to sign with (nowhere at all)',
    );
  });
});

describe('generateAuditKey', () => {
  it('makes a 32-byte key whose id parseAuditKeys accepts and carries the date', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date(Date.UTC(2026, 2, 4, 12)));
      const key = generateAuditKey();
      expect(key.id).toMatch(/^k20260304-[0-9a-f]{4}$/);
      expect(key.secret).toHaveLength(32);
      const [reparsed] = parseAuditKeys(`${key.id}:${key.secret.toString('base64')}`);
      expect(reparsed?.id).toBe(key.id);
      expect(reparsed?.secret.equals(key.secret)).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('makes a different secret each time', () => {
    expect(generateAuditKey().secret.equals(generateAuditKey().secret)).toBe(false);
  });
});

describe('readAuditKeyFile', () => {
  it('reads the keys of an existing file, comments and all', () => {
    const file = join(dir, 'keys');
    writeFileSync(file, `# rotated\nb:${secretB.toString('base64')}\na:${b64A}\n`);
    const ring = readAuditKeyFile(file, false);
    expect(ring?.ids).toEqual(['b', 'a']);
    expect(ring?.signing?.secret.equals(secretB)).toBe(true);
    expect(ring?.source).toBe(`audit key file ${file}`);
    // `create` changes nothing when it exists.
    expect(readAuditKeyFile(file, true)?.ids).toEqual(['b', 'a']);
    expect(readFileSync(file, 'utf8')).toContain('# rotated');
  });

  it('gives null for a missing file when not told to create it, and creates nothing', () => {
    const file = join(dir, 'sub', 'audit.key');
    expect(readAuditKeyFile(file, false)).toBeNull();
    expect(fs.existsSync(join(dir, 'sub'))).toBe(false);
  });

  it('creates a missing file (and its folders), mode 0600, with one fresh key, and reuses it', () => {
    const file = join(dir, 'a', 'b', 'audit.key');
    const created = readAuditKeyFile(file, true);
    expect(created?.ids).toHaveLength(1);
    expect(created?.source).toBe(`audit key file ${file}`);
    const key = created!.requireSigning();
    expect(key.id).toMatch(/^k\d{8}-[0-9a-f]{4}$/);
    if (posix) expect(modeOf(file)).toBe(0o600);

    const text = readFileSync(file, 'utf8');
    expect(text.startsWith('# Audit chain key')).toBe(true);
    // The file tells whoever opens it how to rotate.
    expect(text).toContain(
      '# without it the audit chain cannot be verified. First line signs; put a new key first\n' +
        '# and keep the old ones below it when rotating.\n',
    );
    expect(text.endsWith(`\n${key.id}:${key.secret.toString('base64')}\n`)).toBe(true);

    for (const create of [true, false]) {
      const again = readAuditKeyFile(file, create);
      expect(again?.ids).toEqual([key.id]);
      expect(again?.signing?.secret.equals(key.secret)).toBe(true);
    }
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('refuses a file it cannot read, naming it', () => {
    // A folder where the file should be: EISDIR, not ENOENT.
    const folder = join(dir, 'is-a-folder');
    mkdirSync(folder);
    for (const create of [false, true])
      expect(keyError(() => readAuditKeyFile(folder, create))).toMatch(
        new RegExp(`^cannot read the audit key file ${escape(folder)}: Error: EISDIR`),
      );
  });

  it('refuses a file with bad contents, naming it and the problem', () => {
    const file = join(dir, 'keys');
    writeFileSync(file, '# nothing yet\n');
    expect(keyError(() => readAuditKeyFile(file, true))).toBe(
      `audit key file ${file} holds no key (id:base64secret)`,
    );
    writeFileSync(file, `a:${b64A}\na:${b64A}\n`);
    expect(keyError(() => readAuditKeyFile(file, false))).toBe(
      `audit key file ${file} names key "a" twice`,
    );
    writeFileSync(file, `a:${Buffer.alloc(8).toString('base64')}`);
    expect(keyError(() => readAuditKeyFile(file, false))).toContain('key "a" has 8 bytes');
  });

  it('keeps the key of another process that created the file first', () => {
    const file = join(dir, 'audit.key');
    const theirs = `first:${b64A}\n`;
    // The other process writes its file between our read (ENOENT) and our exclusive create.
    vi.mocked(fs.writeFileSync).mockImplementationOnce((path, data, options) => {
      realFs.writeFileSync(file, theirs, { mode: 0o600 });
      realFs.writeFileSync(path, data, options);
    });
    const ring = readAuditKeyFile(file, true);
    expect(ring?.ids).toEqual(['first']);
    expect(ring?.signing?.secret.equals(secretA)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(theirs);
  });

  it('lets any other error of the create through as it is', () => {
    const file = join(dir, 'audit.key');
    const denied = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    vi.mocked(fs.writeFileSync).mockImplementationOnce(() => {
      throw denied;
    });
    expect(() => readAuditKeyFile(file, true)).toThrow(denied);
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe('defaultAuditKeyFile', () => {
  it('is audit.key in the database file’s folder', () => {
    expect(defaultAuditKeyFile(join('data', 'cart.sqlite'))).toBe(join('data', 'audit.key'));
    expect(defaultAuditKeyFile('cart.sqlite')).toBe('audit.key');
  });
});

describe('loadAuditKeyring', () => {
  const sqlite = () => `sqlite:${join(dir, 'db', 'cart.sqlite')}`;
  const defaultFile = () => join(dir, 'db', 'audit.key');

  it('refuses AUDIT_KEYS and AUDIT_KEY_FILE set at once', () => {
    const file = join(dir, 'keys');
    writeFileSync(file, `a:${b64A}\n`);
    expect(
      keyError(() =>
        loadAuditKeyring(
          { DATABASE_URL: sqlite(), AUDIT_KEYS: [keyA], AUDIT_KEY_FILE: file },
          true,
        ),
      ),
    ).toBe('set AUDIT_KEYS or AUDIT_KEY_FILE, not both');
  });

  it('uses AUDIT_KEYS as they are, on any database, and makes no key file', () => {
    for (const DATABASE_URL of [sqlite(), 'postgres://db/cart', 'sqlite::memory:']) {
      const ring = loadAuditKeyring({ DATABASE_URL, AUDIT_KEYS: [keyB, keyA] }, true);
      expect(ring.keys).toEqual([keyB, keyA]);
      expect(ring.source).toBe('AUDIT_KEYS');
    }
    expect(fs.existsSync(defaultFile())).toBe(false);
  });

  it('uses AUDIT_KEY_FILE, on PostgreSQL too', () => {
    const file = join(dir, 'mounted', 'keys');
    mkdirSync(join(dir, 'mounted'));
    writeFileSync(file, `b:${secretB.toString('base64')}\n`);
    const ring = loadAuditKeyring(
      { DATABASE_URL: 'postgresql://db/cart', AUDIT_KEY_FILE: file },
      false,
    );
    expect(ring.ids).toEqual(['b']);
    expect(ring.source).toBe(`audit key file ${file}`);
  });

  it('refuses an AUDIT_KEY_FILE that does not exist, and never creates it', () => {
    const file = join(dir, 'missing.key');
    for (const create of [true, false])
      expect(
        keyError(() => loadAuditKeyring({ DATABASE_URL: sqlite(), AUDIT_KEY_FILE: file }, create)),
      ).toBe(`AUDIT_KEY_FILE ${file} does not exist`);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('passes on what is wrong with AUDIT_KEY_FILE', () => {
    const file = join(dir, 'keys');
    writeFileSync(file, 'not a key\n');
    expect(
      keyError(() => loadAuditKeyring({ DATABASE_URL: sqlite(), AUDIT_KEY_FILE: file }, false)),
    ).toMatch(new RegExp(`^audit key file ${escape(file)} must be id:base64secret`));
  });

  it.each(['postgres://u@db/cart', 'postgresql://u@db/cart'])(
    'refuses PostgreSQL (%s) without either setting, and makes no key',
    (DATABASE_URL) => {
      for (const create of [true, false])
        expect(keyError(() => loadAuditKeyring({ DATABASE_URL }, create))).toMatch(
          /^AUDIT_KEYS or AUDIT_KEY_FILE must be set with PostgreSQL/,
        );
    },
  );

  it('gives an in-memory SQLite database a fresh key of its own when a writer asks', () => {
    const one = loadAuditKeyring({ DATABASE_URL: 'sqlite::memory:' }, true);
    const two = loadAuditKeyring({ DATABASE_URL: 'sqlite::memory:' }, true);
    expect(one.ids).toHaveLength(1);
    expect(one.source).toBe('a key for this in-memory database');
    expect(one.requireSigning().secret).toHaveLength(32);
    expect(one.requireSigning().secret.equals(two.requireSigning().secret)).toBe(false);
    // A reader of an in-memory database has nothing to verify with.
    const reader = loadAuditKeyring({ DATABASE_URL: 'sqlite::memory:' }, false);
    expect(reader.keys).toEqual([]);
    expect(reader.signing).toBeNull();
  });

  it('creates audit.key next to a SQLite file (mode 0600) on first start, and reuses it after', () => {
    const first = loadAuditKeyring({ DATABASE_URL: sqlite() }, true);
    const key = first.requireSigning();
    expect(first.source).toBe(`audit key file ${defaultFile()}`);
    expect(fs.existsSync(defaultFile())).toBe(true);
    if (posix) expect(modeOf(defaultFile())).toBe(0o600);

    const second = loadAuditKeyring({ DATABASE_URL: sqlite() }, true);
    expect(second.ids).toEqual([key.id]);
    expect(second.requireSigning().secret.equals(key.secret)).toBe(true);
    // The reader (audit:verify) finds the same key.
    const reader = loadAuditKeyring({ DATABASE_URL: sqlite() }, false);
    expect(reader.get(key.id)?.secret.equals(key.secret)).toBe(true);
  });

  it('takes a DATABASE_URL without the sqlite: prefix as the path', () => {
    const path = join(dir, 'bare', 'cart.sqlite');
    const ring = loadAuditKeyring({ DATABASE_URL: path }, true);
    expect(ring.source).toBe(`audit key file ${join(dir, 'bare', 'audit.key')}`);
    expect(fs.existsSync(join(dir, 'bare', 'audit.key'))).toBe(true);
  });

  it('reads the scheme only at the start of DATABASE_URL', () => {
    // A SQLite path that merely holds "postgres:" or "sqlite:" is a SQLite path, kept whole.
    const underPostgres = join(dir, 'postgres:old', 'cart.sqlite');
    expect(loadAuditKeyring({ DATABASE_URL: `sqlite:${underPostgres}` }, true).source).toBe(
      `audit key file ${join(dir, 'postgres:old', 'audit.key')}`,
    );
    const underSqlite = join(dir, 'sqlite:old', 'cart.sqlite');
    expect(loadAuditKeyring({ DATABASE_URL: underSqlite }, true).source).toBe(
      `audit key file ${join(dir, 'sqlite:old', 'audit.key')}`,
    );
  });

  it('a reader of a SQLite file without audit.key gets an empty ring saying why, and creates nothing', () => {
    const ring = loadAuditKeyring({ DATABASE_URL: sqlite() }, false);
    expect(ring.keys).toEqual([]);
    expect(ring.source).toBe(
      `no AUDIT_KEYS, no AUDIT_KEY_FILE, and ${defaultFile()} does not exist`,
    );
    expect(keyError(() => ring.requireSigning())).toContain(`${defaultFile()} does not exist`);
    expect(fs.existsSync(defaultFile())).toBe(false);
  });

  it('refuses an unusable audit.key next to a SQLite file instead of replacing it', () => {
    mkdirSync(join(dir, 'db'));
    writeFileSync(defaultFile(), 'garbage');
    expect(keyError(() => loadAuditKeyring({ DATABASE_URL: sqlite() }, true))).toMatch(
      /must be id:base64secret/,
    );
    expect(readFileSync(defaultFile(), 'utf8')).toBe('garbage');
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
