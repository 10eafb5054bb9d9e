import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { createNetHosts, type NetHosts } from './net-hosts.js';
import { mamIn, startDaemon } from './mam-in-ns.js';

export interface NetMeshOptions {
  namespace: string;
  /** the joined hosts, in namespaces 1, 2 …; the admin A is namespace 0 */
  hosts: Array<{ name: string; labels?: string }>;
  /** config added to every host's config.json (after `mam join`) */
  config?: (name: string) => Record<string, unknown>;
}

export interface NetMesh {
  net: NetHosts;
  /** host names by namespace index: A first */
  names: string[];
  /** workspace folder of host i */
  root(i: number): string;
  /** `mam` in host i's namespace and workspace */
  mam(i: number, args: string[]): ReturnType<typeof mamIn>;
  /** Starts host i's reconciler (again); resolves once it reconciles. */
  startReconciler(i: number): Promise<void>;
  /** kill -9 of host i's reconciler, as a crash or a power cut would stop it. */
  killReconciler(i: number): void;
  /** A fresh folder, deleted at cleanup. */
  newRoot(): string;
  /** the tmux socket of host i's sessions */
  tmuxSocket(i: number): string;
  /** `tmux -L <host i's socket> <args>` inside host i's namespace */
  tmux(i: number, args: string[]): ReturnType<typeof execa>;
  /** The names of host i's live tmux sessions. */
  sessions(i: number): Promise<string[]>;
  /** `mam job create` on A of a command job on `host` running `sh -c script` in a fresh workdir. */
  createJob(
    host: string,
    id: string,
    script: string,
    more?: string[],
  ): Promise<{ exitCode?: number; stderr: string; workdir: string }>;
  cleanup(): void;
}

/**
 * The admin A (embedded broker on 10.77.0.1:8883 and its reconciler) and the joined hosts, each a
 * `mam reconcile` process in its own network namespace with its own workspace and tmux socket
 * (a tmux server is found by its socket file, which every namespace shares: one socket for all
 * would run every host's sessions in the namespace of whichever host started the server first).
 */
export async function startNetMesh(o: NetMeshOptions): Promise<NetMesh> {
  const net = createNetHosts(o.hosts.length + 1);
  const roots: string[] = [];
  const extra: string[] = [];
  const names = ['A', ...o.hosts.map((h) => h.name)];
  const reconcilers: ChildProcess[] = [];
  const brokers: ChildProcess[] = [];
  const tag = `${o.namespace}${process.pid % 100000}`;
  const newRoot = () => {
    const r = mkdtempSync(join(tmpdir(), 'mam-ns-'));
    extra.push(r);
    return r;
  };
  const mam = (i: number, args: string[]) => mamIn(net, i, roots[i], args);
  const patch = (i: number) => {
    const path = join(roots[i], '.mam', 'config.json');
    const cfg = JSON.parse(readFileSync(path, 'utf8'));
    // One level deep: a section given adds to the one in the file.
    for (const [k, v] of Object.entries(o.config?.(names[i]) ?? {})) cfg[k] = { ...cfg[k], ...(v as object) };
    cfg.sessions = { ...cfg.sessions, tmuxSocket: `${tag}${names[i]}` };
    if (i === 0) cfg.broker = { ...cfg.broker, bind: '10.77.0.1' };
    writeFileSync(path, JSON.stringify(cfg, null, 2));
  };
  const mesh: NetMesh = {
    net,
    names,
    root: (i) => roots[i],
    mam,
    startReconciler: (i) => startDaemon(net, reconcilers, i, roots[i], ['reconcile'], /reconciling/),
    killReconciler: (i) => void reconcilers[i]?.kill('SIGKILL'),
    newRoot,
    tmuxSocket: (i) => `${tag}${names[i]}`,
    tmux: (i, args) =>
      execa('ip', ['netns', 'exec', net.ns(i), 'tmux', '-L', `${tag}${names[i]}`, ...args], { reject: false }),
    async sessions(i) {
      const r = await mesh.tmux(i, ['list-sessions', '-F', '#{session_name}']);
      return String(r.stdout).split('\n').filter(Boolean);
    },
    async createJob(host, id, script, more = []) {
      const workdir = newRoot();
      const args = ['job', 'create', '--agent', 'command', '--host', host, '--id', id, '--workdir', workdir, ...more];
      const r = await mam(0, [...args, '--no-worktree', '--', 'sh', '-c', script]);
      return { exitCode: r.exitCode, stderr: String(r.stderr), workdir };
    },
    cleanup() {
      net.cleanup();
      for (const r of [...roots, ...extra]) rmSync(r, { recursive: true, force: true });
      // The tmux servers died with their namespaces; their socket files stay behind.
      for (const n of names) rmSync(join(process.env.TMUX_TMPDIR ?? '/tmp', 'tmux-0', `${tag}${n}`), { force: true });
    },
  };
  try {
    names.forEach(() => roots.push(mkdtempSync(join(tmpdir(), 'mam-ns-'))));
    const init = await mam(0, [
      'init',
      '--namespace',
      o.namespace,
      '--host',
      'A',
      '--san',
      '10.77.0.1',
      '--port',
      '8883',
    ]);
    if (init.exitCode !== 0) throw new Error(`mam init on A: ${init.stderr}`);
    for (const [k, h] of o.hosts.entries()) {
      const bundle = join(roots[0], `${h.name}.json`);
      const labels = h.labels ? ['--labels', h.labels] : [];
      const args = ['host', 'add', h.name, ...labels, '--out', bundle, '--broker-url', 'mqtts://10.77.0.1:8883'];
      const add = await mam(0, args);
      if (add.exitCode !== 0) throw new Error(`mam host add ${h.name}: ${add.stderr}`);
      const joined = await mam(k + 1, ['join', bundle]);
      if (joined.exitCode !== 0) throw new Error(`mam join on ${h.name}: ${joined.stderr}`);
    }
    names.forEach((_, i) => patch(i));
    await startDaemon(net, brokers, 0, roots[0], ['broker'], /broker listening/);
    await Promise.all(names.map((_, i) => mesh.startReconciler(i)));
  } catch (err) {
    mesh.cleanup();
    throw err;
  }
  return mesh;
}
