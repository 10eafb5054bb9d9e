import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { useBrokerSuite } from '../helpers/mesh.js';
import { runMam } from '../helpers/workspace.js';

// A shell script must stop when its `mam` is interrupted: one-shot commands die of the signal
// (a shell carries on after a child that merely exits), daemons close cleanly and exit 0.
describe('signals', () => {
  const suite = useBrokerSuite('test');

  it('an interrupted emit dies of SIGINT and keeps its event in the outbox', async () => {
    // No reconciler runs, so the emit waits for an acknowledgement that never comes.
    const child = runMam(suite.tw, ['emit', 'job.progress', '--job', 'SIG1', '--timeout', '60s']);
    const outbox = join(suite.tw.root, '.mam', 'jobs', 'SIG1', 'operator', 'outbox');
    for (let i = 0; i < 100 && !(readdirSafe(outbox).length > 0); i++) await sleep(50);
    expect(readdirSafe(outbox)).toHaveLength(1);
    child.kill('SIGINT');
    const r = await child;
    expect(r.signal).toBe('SIGINT');
    expect(readdirSafe(outbox)).toHaveLength(1);
  });

  it('a sh script running emit stops when interrupted', async () => {
    const script = `mam_cli="${process.execPath} ${join(process.cwd(), 'dist', 'mam.cjs')}"; $mam_cli emit job.progress --job SIG2 --timeout 60s; echo CONTINUED`;
    const { execa } = await import('execa');
    // Its own process group, like a job in a terminal.
    const sh = execa('sh', ['-c', script], {
      cwd: suite.tw.root,
      env: suite.tw.env,
      extendEnv: false,
      reject: false,
      detached: true,
    });
    await sleep(1500);
    // C-c in a terminal signals the whole foreground process group.
    process.kill(-sh.pid!, 'SIGINT');
    const r = await sh;
    expect(String(r.stdout)).not.toContain('CONTINUED');
  });

  it('the broker closes cleanly on SIGTERM and exits 0', async () => {
    const child = runMam(suite.tw, ['broker', '--port', '0', '--json']);
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    child.kill('SIGTERM');
    const r = await child;
    expect(r.exitCode).toBe(0);
  });
});

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
}
