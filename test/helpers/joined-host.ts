/**
 * A second host on the test's machine, joined to a TestHost's workspace the way a person joins
 * one (docs/MULTIHOST.md): `mam host add` on the admin, `mam join <bundle>` in a fresh workspace,
 * then its own reconciler and sessions on a tmux socket of its own, sharing the admin's broker.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { expect } from 'vitest';
import { loadContext } from '../../core/context.js';
import { silentLogger } from '../../core/logger.js';
import { createHostDaemon } from '../../subscriber/host-daemon.js';
import type { Registry } from '../../subscriber/registry/registry.js';
import type { TestHost } from './host/index.js';
import { readRegistry, runMam } from './workspace.js';

export interface JoinedHost {
  root: string;
  env: Record<string, string | undefined>;
  /** reads the joined host's own registry */
  read<T>(fn: (reg: Registry) => T): T;
  /** runs the mam CLI in the joined host's workspace */
  mam(args: string[]): ReturnType<typeof runMam>;
  close(): Promise<void>;
}

export async function joinHost(h: TestHost, name: string, addArgs: string[] = []): Promise<JoinedHost> {
  const bundle = join(h.tw.root, `${name}.json`);
  const add = await h.mam(['host', 'add', name, ...addArgs, '--out', bundle]);
  expect(add.exitCode, String(add.stderr)).toBe(0);
  const root = mkdtempSync(join(tmpdir(), `mam-host-${name.toLowerCase()}-`));
  // Its own login and keys from the bundle, no master key; then a tmux socket of its own.
  const env = { ...h.tw.env, MAM_HOME: root };
  const joined = await runMam(h.tw, ['join', bundle], { env, cwd: root });
  expect(joined.exitCode, String(joined.stderr)).toBe(0);
  const socket = `test-${name.toLowerCase()}-${randomBytes(4).toString('hex')}`;
  const cfgFile = join(root, '.mam', 'config.json');
  const cfg = JSON.parse(readFileSync(cfgFile, 'utf8'));
  cfg.sessions = { ...cfg.sessions, tmuxSocket: socket, isolation: 'none' };
  writeFileSync(cfgFile, JSON.stringify(cfg, null, 2));
  const daemon = await createHostDaemon(loadContext(root, env), silentLogger, env);
  return {
    root,
    env,
    read: (fn) => readRegistry(join(root, '.mam', 'mam.db'), fn),
    mam: (args) => runMam(h.tw, args, { env, cwd: root }),
    async close() {
      await daemon.close();
      await execa('tmux', ['-L', socket, 'kill-server'], { reject: false });
      rmSync(root, { recursive: true, force: true });
    },
  };
}
