/**
 * `npm run audit:verify` on a target's database after the soak, exactly as an operator
 * runs it after a restore (docs/deploy.md): it walks the whole keyed hash chain, so a
 * change whose audit record was lost, torn or doubled by a crash shows up here.
 */
import { spawn } from 'node:child_process';
import { isClosing, onCleanup } from './soak-cleanup.ts';
import { REPO_ROOT } from './soak-options.ts';

export interface AuditResult {
  ok: boolean;
  exitCode: number | null;
  /** What it printed (its last 2000 characters). */
  output: string;
}

/**
 * Runs it with `env` (DATABASE_URL, and AUDIT_KEYS on PostgreSQL; on SQLite the key file
 * next to the database is found by itself). Killed after 5 minutes.
 */
export function auditVerify(env: Record<string, string>): Promise<AuditResult> {
  if (isClosing())
    return Promise.resolve({ ok: false, exitCode: null, output: 'not run: the soak is stopping' });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const child = spawn(npm, ['run', '--silent', 'audit:verify'], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      LOG_LEVEL: 'silent',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so that npm, its shell and the verifier go together.
    detached: true,
  });
  const group = child.pid;
  const killAll = () => {
    // Never without a pid: process.kill(-0) would signal the soak's own group.
    if (group === undefined) return;
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // Gone already.
    }
  };
  let output = '';
  const collect = (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-2000));
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const unregister = onCleanup(
    'stop audit:verify',
    killAll,
    group === undefined ? undefined : { kind: 'process', pid: group, group: true },
  );
  const timer = setTimeout(killAll, 5 * 60_000);
  return new Promise((done) => {
    const finish = (exitCode: number | null, note: string) => {
      clearTimeout(timer);
      unregister();
      done({ ok: exitCode === 0, exitCode, output: note + output.trim() });
    };
    child.once('error', (error) => finish(null, `cannot run npm: ${error.message}\n`));
    child.once('close', (code, signal) => finish(code, signal ? `killed (${signal})\n` : ''));
  });
}
