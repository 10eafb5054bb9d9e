import { readFileSync, readlinkSync } from 'node:fs';
import { execa } from 'execa';

/**
 * Who listens on a TCP port, as far as this user may know: "pid 123 (node …)
 * in /path" from ss or lsof, undefined when neither says (another user's
 * process, or neither tool installed).
 */
export async function portHolder(port: number): Promise<string | undefined> {
  const pid = (await pidFromSs(port)) ?? (await pidFromLsof(port));
  if (pid === undefined) return undefined;
  let what = '';
  try {
    what = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 200);
  } catch {
    // no /proc (macOS): the pid alone
  }
  let cwd = '';
  try {
    cwd = readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    // not ours to read
  }
  return `pid ${pid}${what ? ` (${what})` : ''}${cwd ? ` in ${cwd}` : ''}`;
}

async function pidFromSs(port: number): Promise<number | undefined> {
  const r = await execa('ss', ['-ltnpH', `sport = :${port}`], { reject: false, timeout: 3000, stdin: 'ignore' }).catch(
    () => undefined,
  );
  const m = r && r.exitCode === 0 ? /pid=(\d+)/.exec(String(r.stdout)) : null;
  return m ? Number(m[1]) : undefined;
}

async function pidFromLsof(port: number): Promise<number | undefined> {
  const r = await execa('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-Fp'], {
    reject: false,
    timeout: 3000,
    stdin: 'ignore',
  }).catch(() => undefined);
  const m = r && r.exitCode === 0 ? /^p(\d+)$/m.exec(String(r.stdout)) : null;
  return m ? Number(m[1]) : undefined;
}
