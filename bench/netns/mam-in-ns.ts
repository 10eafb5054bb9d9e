import type { ChildProcess } from 'node:child_process';
import { execa } from 'execa';
import type { NetHosts } from './net-hosts.js';
import { MAM_BIN } from '../spawn-node.js';

/** The environment of a `mam` process of workspace `root`: MAM_HOME, and no other MAM_ setting of ours. */
export function envOf(root: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, MAM_HOME: root };
  for (const k of Object.keys(env)) if (k.startsWith('MAM_') && k !== 'MAM_HOME') delete env[k];
  return env;
}

/** Runs `mam` inside host i's namespace, in workspace `root`; never throws on a non-zero exit. */
export function mamIn(net: NetHosts, i: number, root: string, args: string[]) {
  return execa('ip', ['netns', 'exec', net.ns(i), process.execPath, MAM_BIN, ...args], {
    env: envOf(root),
    cwd: root,
    reject: false,
    extendEnv: false,
    timeout: 30_000,
  });
}

/** Starts a long-running `mam` (broker, reconcile) in host i's namespace; resolves once its output matches `ready`. */
export function startDaemon(
  net: NetHosts,
  daemons: ChildProcess[],
  i: number,
  root: string,
  args: string[],
  ready: RegExp,
): Promise<void> {
  const c = net.spawn(i, [process.execPath, MAM_BIN, ...args], envOf(root));
  daemons[i] = c;
  let seen = '';
  return new Promise((resolve, reject) => {
    const look = (d: Buffer) => {
      seen += d.toString();
      if (ready.test(seen)) resolve();
    };
    c.stdout!.on('data', look);
    c.stderr!.on('data', look);
    c.once('exit', (code) => reject(new Error(`mam ${args[0]} on host ${i} exited ${code}: ${seen.slice(-2000)}`)));
  });
}
