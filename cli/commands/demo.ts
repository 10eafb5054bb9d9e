import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAs } from '../../broker/connect-role.js';
import { chooseBackend, type BackendPreference } from '../../agents/choose-backend.js';
import { emitEvent } from '../../broker/emitter/emit-event.js';
import { loadContext } from '../../core/context.js';
import { openEnvelope } from '../../core/envelope.js';
import { MamError } from '../../core/errors.js';
import { initWorkspace } from '../../core/init-workspace.js';
import { topics } from '../../core/topics.js';
import { findRoot, workspaceAt } from '../../core/workspace.js';
import { operatorIdentity } from '../../subscriber/operator-identity.js';
import { openRegistry } from '../../subscriber/registry/registry.js';
import { parseFlags, usage } from '../args.js';
import type { Io } from '../io.js';
import { newJobId } from './job-create.js';
import { down } from './down.js';
import { up } from './up.js';

// The demo agent: real work in a real git repository, reported through `mam emit`.
const AGENT = `#!/bin/sh
set -e
mam emit job.started
mam emit job.progress --field message="counting files" --field percent=20
count=$(ls | wc -l | tr -d ' ')
printf 'files in the repository before this commit: %s\\n' "$count" > result.txt
git add result.txt
git commit -q -m "demo agent: add result.txt"
mam emit job.progress --field message="committed $(git rev-parse --short HEAD)" --field percent=80 --field phase=testing
mam emit job.done --field summary="wrote result.txt and committed it"
# Stay alive: the session ends only when mam has verified the done event and its artifacts.
sleep 600
`;

function git(cwd: string, ...args: string[]) {
  execFileSync('git', ['-C', cwd, ...args], { stdio: 'ignore' });
}

export async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags('demo', argv, { backend: { type: 'string' }, keep: { type: 'boolean' } }, false);
  const pref = (values.backend ?? 'auto') as BackendPreference;
  if (!['auto', 'tmux', 'pty'].includes(pref)) throw usage('demo', '--backend is auto, tmux or pty');
  const root = findRoot(io.cwd, io.env);
  if (!existsSync(workspaceAt(root).config)) {
    await initWorkspace({ root });
    io.out(`initialised workspace ${workspaceAt(root).dir}\n`);
  }
  const chosen = await chooseBackend(pref);
  io.out(`session backend: ${chosen.backend.name} (${chosen.reason})\n`);
  const daemons = await up(io);
  try {
    return await demoJob(io, chosen.backend.name);
  } finally {
    if (!values.keep && (daemons.reconciler.started || daemons.broker?.started)) await down(io);
  }
}

async function demoJob(io: Io, backend: string): Promise<number> {
  const ctx = loadContext(io.cwd, io.env);
  const ns = ctx.cfg.namespace;
  const repo = mkdtempSync(join(tmpdir(), 'mam-demo-'));
  git(repo, 'init', '-q');
  git(repo, 'config', 'user.email', 'demo@mam.invalid');
  git(repo, 'config', 'user.name', 'mam demo agent');
  writeFileSync(join(repo, 'README.md'), '# demo repository\n');
  writeFileSync(join(repo, 'agent.sh'), AGENT, { mode: 0o755 });
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'initial');
  const job = newJobId();
  io.out(`job ${job}: agent script in ${repo}\n`);

  const reader = await connectAs(ctx, 'reader', { reconnectMs: ctx.cfg.broker.reconnectMs });
  let finish: (ok: boolean) => void = () => {};
  let lastState = '';
  const finished = new Promise<boolean>((r) => (finish = r));
  reader.mqtt.on('message', (topic, payload) => {
    try {
      const { msg } = openEnvelope(ns, topic, payload, ctx.keyring, 1 << 20);
      const b = msg.body as Record<string, unknown>;
      if (msg.type === 'job.state') {
        const line = `${b.state} ${b.gen} ${b.session} ${b.reason}`;
        if (line === lastState) return;
        lastState = line;
        io.out(
          `  state  ${String(b.state).padEnd(9)} gen ${b.gen}${b.session ? ` session ${b.session}` : ''}${b.reason ? `  (${b.reason})` : ''}\n`,
        );
        if (b.state === 'done' && !b.session) finish(true);
        if (['failed', 'cancelled', 'timeout', 'lost', 'blocked'].includes(String(b.state))) finish(false);
      } else {
        io.out(
          `  event  ${msg.type.padEnd(13)} seq ${msg.seq} from ${msg.sender} ${JSON.stringify(b)} [signature verified]\n`,
        );
      }
    } catch (err) {
      io.out(`  UNVERIFIED message on ${topic}: ${(err as Error).message}\n`);
    }
  });
  await reader.mqtt.subscribeAsync({ [topics.events(ns, job)]: { qos: 1 }, [topics.state(ns, job)]: { qos: 1 } });
  const body = {
    agent: 'command',
    workdir: repo,
    command: ['sh', 'agent.sh'],
    expect: ['result.txt', 'git:commit'],
    backend,
    timeoutMs: 120_000,
  };
  const sent = await emitEvent(
    operatorIdentity(ctx, job, 0),
    topics.control(ns, ctx.cfg.host),
    'control.create',
    body,
    { wait: true, timeoutMs: 15_000 },
  );
  if (!sent.committed)
    throw new MamError('DAEMON', 'the reconciler did not acknowledge the job', { hint: 'see .mam/run/reconciler.log' });
  // Ctrl-C ends the wait like a failure, so the daemons the demo started are still stopped.
  const interrupted = new Promise<boolean>((r) => io.signal.addEventListener('abort', () => r(false), { once: true }));
  const ok = await Promise.race([
    finished,
    interrupted,
    new Promise<boolean>((r) => setTimeout(() => r(false), 90_000).unref()),
  ]);
  await reader.close();

  const reg = openRegistry(ctx.ws.db, { readonly: true });
  const row = reg.getJob(job);
  const session = row && reg.getSession(job, row.gen);
  reg.close();
  if (!ok || !row || row.state !== 'done' || !session?.ended_at) {
    io.err(
      `demo failed: job ${job} is ${row?.state ?? 'unknown'}${row?.reason ? ` (${row.reason})` : ''}\n  hint: \`mam job show ${job}\` and .mam/run/reconciler.log tell why\n`,
    );
    return 1;
  }
  io.out(
    `verified termination: session ${session.name} (${session.backend}, pid ${session.pid}) ended after "${session.end_reason}";\n`,
  );
  // The agent worked in its own worktree on branch mam/<job>; the branch outlives the worktree.
  const commit = execFileSync('git', ['-C', repo, 'log', '--oneline', '-1', `mam/${job}`], { encoding: 'utf8' }).trim();
  io.out(`  expected artifacts were present: result.txt and a new commit on branch mam/${job} (${commit})\n`);
  io.out(`done. Inspect it with: mam job show ${job}\n`);
  return 0;
}
