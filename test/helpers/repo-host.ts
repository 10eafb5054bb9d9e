/**
 * One host for the worktree, log and verdict suites: a workspace with its real TLS broker on
 * port 0 and the real host daemon in this process on a private tmux socket
 * (killed at close); real git repositories as workdirs; jobs whose agent
 * script lives outside the repository, so a worktree starts clean; a gate in
 * the job folder, never in the worktree, where it would be an uncommitted change.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { emitEvent } from '../../broker/emitter/emit-event.js';
import type { Context } from '../../core/context.js';
import { createLogger } from '../../core/logger.js';
import { topics } from '../../core/topics.js';
import { createHostDaemon, type HostDaemon } from '../../subscriber/host-daemon.js';
import { operatorIdentity } from '../../subscriber/operator-identity.js';
import type { JobRow, Registry } from '../../subscriber/registry/registry.js';
import { waitFor } from './wait.js';
import { makeWorkspace, readRegistry, runMam, startBroker, type TestWorkspace } from './workspace.js';

export interface Host {
  tw: TestWorkspace;
  ctx: Context;
  daemon: HostDaemon;
  socket: string;
  lines: string[];
  logs(): string;
  read<T>(fn: (reg: Registry) => T): T;
  job(id: string): JobRow | undefined;
  waitJob(id: string, ok: (j: JobRow) => boolean, what: string, ms?: number): Promise<JobRow>;
  mam(args: string[], env?: NodeJS.ProcessEnv): ReturnType<typeof runMam>;
  /** Stops the daemon (tmux sessions live on, as after a crash) and starts a fresh one. */
  restartDaemon(between?: () => void | Promise<void>): Promise<void>;
  close(): Promise<void>;
}

/** `sessions` and the other sections are merged over the harness's own (private tmux socket, fast sweeps). */
export async function startHost(config: { sessions?: object; reconciler?: object; worktrees?: object } = {}): Promise<Host> {
  const tw = await makeWorkspace({ namespace: 'five' });
  const socket = `test-${randomBytes(5).toString('hex')}`;
  tw.patchConfig({
    sessions: { tmuxSocket: socket, killGraceMs: 500, ...config.sessions },
    // The agents' scripts live outside their repositories (and /tmp is the sandbox's own): shown read-only.
    agents: { command: { binds: [{ path: join(tw.root, 'agents'), mode: 'ro' }] } },
    reconciler: { sweepIntervalMs: 300, ...config.reconciler },
    ...(config.worktrees ? { worktrees: config.worktrees } : {}),
  });
  const broker = await startBroker(tw);
  // Reloaded after the broker recorded its port: the endpoint points at it.
  const ctx = tw.context();
  const lines: string[] = [];
  const log = createLogger({ component: 'host', level: 'debug', write: (l) => void (lines.push(l) > 2000 && lines.shift()) });
  const read = <T>(fn: (reg: Registry) => T): T => readRegistry(ctx.ws.db, fn);
  const h: Host = {
    tw,
    ctx,
    socket,
    lines,
    daemon: await createHostDaemon(ctx, log, tw.env),
    logs: () => lines.slice(-40).join('\n'),
    read,
    job: (id) => read((reg) => reg.getJob(id)),
    async waitJob(id, ok, what, ms = 20_000) {
      let last: JobRow | undefined;
      await waitFor(() => !!(last = h.job(id)) && ok(last), ms, what).catch(() => {
        throw new Error(`job ${id}: timed out waiting for ${what}; it is ${last?.state} (${last?.reason})\n${h.logs()}`);
      });
      return last!;
    },
    mam: (args, env) => runMam(tw, args, { timeout: 30_000, ...(env ? { env } : {}) }),
    async restartDaemon(between) {
      await h.daemon.close();
      await between?.();
      h.daemon = await createHostDaemon(ctx, log, tw.env);
    },
    async close() {
      await h.daemon.close().catch(() => {});
      await execa('tmux', ['-L', socket, 'kill-server'], { reject: false, stdin: 'ignore' });
      await broker.close();
      tw.cleanup();
    },
  };
  return h;
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-C', cwd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** A fresh repository with one commit and an identity for the agent's commits. */
export function makeRepo(): string {
  const repo = realpathSync(mkdtempSync(join(tmpdir(), 'mam-repo-')));
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'config', 'user.email', 'agent@mam.invalid');
  git(repo, 'config', 'user.name', 'test agent');
  writeFileSync(join(repo, 'README.md'), '# test repository\n');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'initial');
  return repo;
}

/** Waits for the test to drop `go` into the job folder, then runs it. */
export const GATE = 'while [ ! -f "$MAM_JOB_DIR/go" ]; do sleep 0.05; done\n. "$MAM_JOB_DIR/go"\n';

export function openGate(h: Host, job: string, commands: string): void {
  writeFileSync(join(h.ctx.ws.jobDir(job), 'go'), `${commands}\n`);
}

let n = 0;

/** Creates a `command` job through the signed control.create, as `mam job create` sends it. */
export async function createJobIn(h: Host, o: { workdir: string; script: string; id?: string; expect?: string[]; worktree?: boolean }): Promise<string> {
  const id = o.id ?? `w${++n}-${Date.now().toString(36)}`;
  const dir = join(h.tw.root, 'agents');
  mkdirSync(dir, { recursive: true });
  const script = join(dir, `${id}.sh`);
  writeFileSync(script, `#!/bin/sh\n${o.script}`, { mode: 0o755 });
  const body: Record<string, unknown> = { agent: 'command', workdir: o.workdir, command: ['sh', script], backend: 'tmux' };
  if (o.expect) body.expect = o.expect;
  if (o.worktree !== undefined) body.worktree = o.worktree;
  const r = await emitEvent(operatorIdentity(h.ctx, id, 0), topics.control(h.ctx.cfg.namespace, h.ctx.cfg.host), 'control.create', body, { wait: true, timeoutMs: 20_000 });
  if (!r.committed) throw new Error(`control.create of ${id} was not committed\n${h.logs()}`);
  return id;
}
