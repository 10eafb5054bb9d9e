/**
 * One host as the session, worktree and agent suites need it: a workspace with
 * its real TLS broker on port 0 and the real host daemon (reconciler +
 * sessions) in this process, on a private tmux socket killed at close. Jobs go
 * in through the signed control.create `mam job create` sends; agents are small
 * sh scripts that report with the `mam` the session finds on its PATH, or the
 * adapters' CLIs configured through `agents`.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { connectClient, type MeshClient } from '../../../broker/client.js';
import type { HostOptions, TestHost } from './types.js';
import { emitEvent } from '../../../broker/emitter/emit-event.js';
import { saveCredentialFile } from '../../../core/credentials.js';
import { createLogger } from '../../../core/logger.js';
import { topics } from '../../../core/topics.js';
import { operatorIdentity } from '../../../subscriber/operator-identity.js';
import { createHostDaemon } from '../../../subscriber/host-daemon.js';
import type { JobRow, Registry, SessionRow } from '../../../subscriber/registry/registry.js';
import { isRunning } from '../../agents/session-helpers.js';
import { DONE_AGENT } from './agent-scripts.js';
import { waitFor } from '../wait.js';
import { makeWorkspace, readRegistry, runMam, startBroker } from '../workspace.js';

export { DONE_AGENT, GATE, GATED_AGENT, openGate, release } from './agent-scripts.js';
export { git, makeRepo } from './repo.js';

export type { HostOptions, JobOptions, TestHost } from './types.js';

export async function startHost(opts: HostOptions = {}): Promise<TestHost> {
  const tw = await makeWorkspace({ namespace: opts.namespace ?? 'sess' });
  const socket = `test-${randomBytes(5).toString('hex')}`;
  const scripts = opts.repos ? join(tw.root, 'agents') : undefined;
  // The agents' scripts live outside their repositories (and /tmp is the sandbox's own): shown read-only.
  const binds = scripts ? { command: { binds: [{ path: scripts, mode: 'ro' }] } } : {};
  tw.patchConfig({
    sessions: { tmuxSocket: socket, killGraceMs: opts.killGraceMs ?? 500 },
    reconciler: { sweepIntervalMs: opts.sweepIntervalMs ?? 300 },
    ...(scripts || opts.agents ? { agents: { ...binds, ...opts.agents?.(tw) } } : {}),
  });
  // A second patch, so a test's `sessions` adds to the private socket instead of replacing it.
  if (opts.config) tw.patchConfig(opts.config);
  // An external broker's password file cannot hold `host:<name>` (Mosquitto refuses the ':'): this host's
  // reconciler gets a user of its own there, as docs/DEPLOYMENT.md says.
  if (opts.externalBroker) {
    const creds = tw.context().creds;
    saveCredentialFile(tw.context().ws.credentials, {
      ...creds,
      reconciler: { ...creds.reconciler, username: 'host-testhost' },
    });
  }
  const external = await opts.externalBroker?.(tw);
  if (external) tw.patchConfig({ broker: external.config });
  const broker = external ? { close: external.stop } : await startBroker(tw);
  // Reloaded after the broker recorded its port: the endpoint points at it.
  const ctx = tw.context();
  const lines: string[] = [];
  const log = createLogger({
    component: 'host',
    level: 'debug',
    write: (l) => void (lines.push(l) > 2000 && lines.shift()),
  });
  const env = { ...tw.env, ...opts.env };
  const clients: MeshClient[] = [];
  const workdirs = new Map<string, string>();
  let n = 0;
  const read = <T>(fn: (reg: Registry) => T): T => readRegistry(ctx.ws.db, fn);
  const tmux = async (...args: string[]) => {
    const r = await execa('tmux', ['-L', socket, ...args], { reject: false, stdin: 'ignore' });
    return { ok: r.exitCode === 0, stdout: String(r.stdout) };
  };
  const h: TestHost = {
    tw,
    ctx,
    socket,
    daemon: await createHostDaemon(ctx, log, env),
    lines,
    logs: () => lines.slice(-60).join('\n'),
    tmux,
    async sweeps(count) {
      // One more than asked: the sweep under way when called may have begun before the change looked for.
      const target = h.daemon.reconciler.stats.sweeps + count + 1;
      await waitFor(() => h.daemon.reconciler.stats.sweeps >= target, 30_000, `${count} drift sweeps`);
    },
    async createJob(o = {}) {
      const id = o.id ?? `job-${++n}-${randomBytes(3).toString('hex')}`;
      const workdir = o.workdir ?? join(tw.root, 'work', id);
      mkdirSync(workdir, { recursive: true });
      if (scripts) mkdirSync(scripts, { recursive: true });
      const script = scripts ? join(scripts, `${id}.sh`) : join(workdir, 'agent.sh');
      writeFileSync(script, `#!/bin/sh\n${o.script ?? DONE_AGENT}`, { mode: 0o755 });
      const command = ['sh', scripts ? script : 'agent.sh'];
      workdirs.set(id, workdir);
      if (o.cli) {
        const flags = [
          ...(o.expect ?? []).flatMap((e) => ['--expect', e]),
          ...(o.timeoutMs !== undefined ? ['--timeout', `${o.timeoutMs}ms`] : []),
        ];
        const r = await h.mam([
          'job',
          'create',
          '--agent',
          'command',
          '--workdir',
          workdir,
          '--backend',
          o.backend ?? 'tmux',
          '--id',
          id,
          ...flags,
          '--',
          ...command,
        ]);
        if (r.exitCode !== 0) throw new Error(`mam job create exited ${r.exitCode}: ${r.stderr}\n${h.logs()}`);
        return { id, workdir };
      }
      const body: Record<string, unknown> = {
        agent: 'command',
        workdir,
        launch: true,
        command,
        backend: o.backend ?? 'tmux',
      };
      if (o.expect) body.expect = o.expect;
      if (o.prompt !== undefined) body.prompt = o.prompt;
      if (o.timeoutMs !== undefined) body.timeoutMs = o.timeoutMs;
      Object.assign(body, o.spec);
      if (o.worktree !== undefined) body.worktree = o.worktree;
      const r = await emitEvent(
        operatorIdentity(ctx, id, 0),
        topics.control(ctx.cfg.namespace, ctx.cfg.host),
        'control.create',
        body,
        { wait: true, timeoutMs: 20_000 },
      );
      if (!r.committed) throw new Error(`control.create of ${id} was not committed by the reconciler\n${h.logs()}`);
      return { id, workdir };
    },
    workdirOf: (id) => workdirs.get(id) ?? join(tw.root, 'work', id),
    read,
    job: (id) => read((reg) => reg.getJob(id)),
    session: (id, gen) => read((reg) => reg.getSession(id, gen ?? reg.getJob(id)?.gen ?? -1)),
    // A message refused before it was opened (bad signature …) is known only by its topic.
    rejections: (id) =>
      read((reg) =>
        reg.listRejections({ job: id, topic: topics.events(ctx.cfg.namespace, id), limit: 10_000 }).reverse(),
      ),
    async sessionAlive(s) {
      if (s.backend === 'tmux') return (await tmux('has-session', '-t', `=${s.name}`)).ok;
      return s.pid !== null && isRunning(s.pid);
    },
    async waitJob(id, ok, what, ms = 20_000) {
      let last: JobRow | undefined;
      await waitFor(
        () => {
          last = h.job(id);
          return !!last && ok(last);
        },
        ms,
        what,
      ).catch(() => {
        throw new Error(
          `timed out after ${ms} ms waiting for job ${id}: ${what}; it is ${last?.state} gen ${last?.gen} (${last?.reason})\n${h.logs()}`,
        );
      });
      return last!;
    },
    async waitSession(id, ms = 20_000) {
      let s: SessionRow | undefined;
      await waitFor(() => !!(s = h.session(id)), ms, `a session of ${id}`).catch(() => {
        throw new Error(
          `job ${id} got no session within ${ms} ms; it is ${h.job(id)?.state} (${h.job(id)?.reason})\n${h.logs()}`,
        );
      });
      return s!;
    },
    async operator() {
      const c = await connectClient({
        url: ctx.endpoint.url,
        ca: ctx.endpoint.ca,
        ...ctx.creds.operator,
        reconnectMs: 0,
      });
      clients.push(c);
      return c;
    },
    mam: (args, childEnv) => runMam(tw, args, { timeout: 30_000, ...(childEnv ? { env: childEnv } : {}) }),
    async restartDaemon(between) {
      await h.daemon.close();
      await between?.();
      h.daemon = await createHostDaemon(ctx, log, env);
    },
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      await h.daemon.close().catch(() => {});
      await tmux('kill-server');
      rmSync(join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, socket), { force: true });
      await broker.close();
      tw.cleanup();
    },
  };
  return h;
}
