import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Hosts in network namespaces on one bridge: the bridge lives in a namespace of
 * its own and every address (10.77.0.0/24) exists only inside the namespaces,
 * so nothing of the machine's own network changes. Every namespace is deleted
 * again, after what `ip netns pids` lists in it is killed.
 */
export interface NetHosts {
  /** namespace of host i (0-based), address 10.77.0.<i+1> */
  ns(i: number): string;
  addr(i: number): string;
  /** Starts `argv` inside host i's namespace. */
  spawn(i: number, argv: string[], env: NodeJS.ProcessEnv): ChildProcess;
  /** Cuts (false) or restores (true) host i's link to the bridge, from inside host i's namespace. */
  link(i: number, up: boolean): void;
  cleanup(): void;
}

const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip'].find((p) => existsSync(p));

/** Why namespace tests cannot run here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'network namespaces need root (run the tests as root)';
  if (!IP) return 'the `ip` command (iproute2) is not installed';
  return undefined;
}

const ip = (...args: string[]) => execFileSync(IP!, args, { stdio: ['ignore', 'ignore', 'pipe'] });

function deleteNs(name: string): void {
  try {
    const pids = execFileSync(IP!, ['netns', 'pids', name], { encoding: 'utf8' }).split(/\s+/).filter(Boolean);
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  } catch {
    // no such namespace
  }
  try {
    ip('netns', 'del', name);
  } catch {
    // no such namespace
  }
}

export function createNetHosts(count: number): NetHosts {
  const tag = `mt${process.pid % 100000}`;
  const bridge = `${tag}br`;
  const names = Array.from({ length: count }, (_, i) => `${tag}h${i}`);
  const all = [bridge, ...names];
  const children: ChildProcess[] = [];
  const cleanup = () => {
    for (const c of children) if (c.exitCode === null && c.pid) c.kill('SIGKILL');
    for (const n of all) deleteNs(n);
  };
  try {
    ip('netns', 'add', bridge);
    ip('-n', bridge, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', bridge, 'link', 'set', 'br0', 'up');
    names.forEach((n, i) => {
      ip('netns', 'add', n);
      ip('-n', bridge, 'link', 'add', `v${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', n);
      ip('-n', bridge, 'link', 'set', `v${i}`, 'master', 'br0', 'up');
      ip('-n', n, 'addr', 'add', `10.77.0.${i + 1}/24`, 'dev', 'eth0');
      ip('-n', n, 'link', 'set', 'eth0', 'up');
      ip('-n', n, 'link', 'set', 'lo', 'up');
    });
  } catch (err) {
    cleanup();
    throw err;
  }
  return {
    ns: (i) => names[i],
    addr: (i) => `10.77.0.${i + 1}`,
    spawn(i, argv, env) {
      const c = spawn(IP!, ['netns', 'exec', names[i], ...argv], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(c);
      return c;
    },
    link: (i, up) => ip('-n', names[i], 'link', 'set', 'eth0', up ? 'up' : 'down'),
    cleanup,
  };
}
