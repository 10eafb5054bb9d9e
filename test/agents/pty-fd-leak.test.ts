import { readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { createPtyBackend } from '../../agents/backends/pty-backend.js';
import { waitFor } from '../helpers/wait.js';
import type { SessionBackend } from '../../agents/session-backend.js';

const openFds = (): number => readdirSync('/proc/self/fd').length;
const CYCLES = 1000;
const BATCH = 50;

/** Starts `count` sessions of `command` and waits until every one has ended. */
async function runBatch(
  backend: SessionBackend,
  prefix: string,
  count: number,
  command: string,
  args: string[],
): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  await Promise.all(
    names.map((name) => backend.start({ name, cwd: '/', command, args, env: { PATH: '/usr/bin:/bin' } })),
  );
  return names;
}

async function allEnded(backend: SessionBackend, names: string[]): Promise<void> {
  await waitFor(
    async () => (await Promise.all(names.map((n) => backend.isAlive(n)))).every((alive) => !alive),
    20_000,
    'the batch to end',
  );
}

it.runIf(process.platform === 'linux')(
  `releases every pty: ${CYCLES} spawn/exit cycles leave no fds behind`,
  async () => {
    const backend = createPtyBackend();
    // One warm-up batch, so fds opened once per process (native module, thread pool) are not counted.
    await allEnded(backend, await runBatch(backend, 'warm', 5, '/bin/true', []));
    await sleep(300);
    const before = openFds();

    for (let b = 0; b < CYCLES / BATCH; b++) {
      await allEnded(backend, await runBatch(backend, `exit-${b}`, BATCH, '/bin/sh', ['-c', 'exit 0']));
    }
    // Sessions ended by terminate (a signal) must be released as well.
    const killed = await runBatch(backend, 'killed', 20, '/bin/sleep', ['100']);
    const results = await Promise.all(killed.map((name) => backend.terminate(name, { graceMs: 2000 })));
    expect(results.every((r) => r.endedBy === 'sigterm')).toBe(true);

    await sleep(300);
    const after = openFds();
    expect(after - before).toBeLessThanOrEqual(5);
    expect(await backend.list()).toEqual([]);
    await backend.close();
  },
  60_000,
);
