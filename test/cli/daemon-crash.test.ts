import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { useBrokerSuite } from '../helpers/mesh.js';
import { runMam } from '../helpers/workspace.js';

// A daemon that meets an error nobody caught must not carry on in an unknown state: it logs the
// error whole (message and stack), closes its listeners and exits 70. The error is raised inside
// the real daemon process by a module preloaded with --require, after the daemon is up.
describe('a daemon with an uncaught error', () => {
  const suite = useBrokerSuite('crash');
  const dir = mkdtempSync(join(tmpdir(), 'mam-crash-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const kind of ['exception', 'rejection'] as const) {
    it(`logs an uncaught ${kind} with its stack, closes and exits 70`, async () => {
      const preload = join(dir, `${kind}.cjs`);
      const raise =
        kind === 'exception' ? "throw new Error('boom-exception')" : "Promise.reject(new Error('boom-rejection'))";
      // Raised once the broker printed its port, so the crash meets a running daemon.
      writeFileSync(
        preload,
        `process.stdout.on('data', () => {}); const w = process.stdout.write.bind(process.stdout);
process.stdout.write = (...a) => { setTimeout(() => { ${raise}; }, 200); process.stdout.write = w; return w(...a); };\n`,
      );
      const child = runMam(suite.tw, ['broker', '--port', '0', '--json'], {
        env: { ...suite.tw.env, NODE_OPTIONS: `--require ${preload}` },
      });
      const line = await new Promise<string>((resolve) =>
        child.stdout!.once('data', (d: Buffer) => resolve(d.toString())),
      );
      const port = (JSON.parse(line) as { port: number }).port;
      const r = await child;
      expect(r.exitCode).toBe(70);
      const logged = String(r.stderr)
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { msg: string; data?: { error?: string; stack?: string } });
      const crash = logged.find((l) => l.msg === 'uncaught error; closing');
      expect(crash?.data?.error).toBe(`boom-${kind}`);
      expect(crash?.data?.stack).toContain('Error: boom-');
      // Its listener is closed: nothing accepts on the port any more.
      const refused = await new Promise<boolean>((resolve) => {
        const s = connect(port, '127.0.0.1');
        s.once('connect', () => (s.destroy(), resolve(false)));
        s.once('error', () => resolve(true));
      });
      expect(refused).toBe(true);
    });
  }
});
