/**
 * Issue 11, the sandbox (isolation "bwrap"): from inside a job's session a
 * hostile agent cannot read the workspace's keys or credentials, another
 * job's worktree or environment, nor reach the tmux server; yet it works in
 * its own workdir and reports through `mam emit`, and the job reaches done
 * through the verified path. On tmux and on node-pty alike.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emitEvent } from '../../broker/emitter/emit-event.js';
import { packageRoot } from '../../core/package-root.js';
import { topics } from '../../core/topics.js';
import { operatorIdentity } from '../../subscriber/operator-identity.js';
import { makeRepo, startHost, type TestHost } from '../helpers/host/index.js';
import { eventually } from '../helpers/mesh.js';

// A machine without bubblewrap skips these (mam runs agents unsandboxed there and `mam doctor` says so);
// CI must prove them: there a missing bwrap fails the suites.
const skip = spawnSync('bwrap', ['--version']).status !== 0 && process.env.CI !== 'true';
const describeSandbox = describe.skipIf(skip);

const SECRET = `victim-secret-${randomBytes(6).toString('hex')}`;

/** Each probe prints "reached: …" or "refused: …"; the agent keeps only its verdicts. */
function spyScript(h: TestHost, victimPid: number): string {
  const ws = h.tw.root;
  const uid = process.getuid?.() ?? 0;
  return `probe() { if "$@" >/dev/null 2>&1; then echo "reached: $*"; else echo "refused: $*"; fi; }
{
probe cat '${h.ctx.ws.keys}'
probe cat '${h.ctx.ws.credentials}'
probe ls '${h.ctx.ws.jobsDir}/victim'
probe cat '${join(h.ctx.ws.worktreesDir, 'victim', 'secret.txt')}'
probe tmux -L ${h.socket} list-sessions
probe test -e /tmp/tmux-${uid}/${h.socket}
probe kill -0 ${victimPid}
probe cat /proc/${victimPid}/environ
probe touch '${ws}/outside.txt'
probe touch "$HOME/.mam-sandbox-probe"
probe touch own.txt
probe cat "$MAM_BROKER_CA"
} > probes.txt
mam emit job.done
exec sleep 600
`;
}

describeSandbox('agents in the bubblewrap sandbox', () => {
  let h: TestHost;
  let repo: string;
  let victimPid: number;
  beforeAll(async () => {
    h = await startHost({ config: { sessions: { isolation: 'bwrap' } } });
    repo = makeRepo();
    // The victim: a job in its own worktree of the repository, holding an uncommitted secret.
    const body = {
      agent: 'command',
      workdir: repo,
      command: ['sh', '-c', `echo ${SECRET} > secret.txt; mam emit job.started; exec sleep 600`],
      backend: 'tmux',
    };
    const r = await emitEvent(
      operatorIdentity(h.ctx, 'victim', 0),
      topics.control(h.ctx.cfg.namespace, h.ctx.cfg.host),
      'control.create',
      body,
      { wait: true, timeoutMs: 20_000 },
    );
    expect(r.committed).toBe(true);
    await h.waitJob('victim', (j) => j.state === 'running', 'running');
    expect(readFileSync(join(h.ctx.ws.worktreesDir, 'victim', 'secret.txt'), 'utf8')).toContain(SECRET);
    victimPid = h.session('victim')!.pid!;
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    if (repo) rmSync(repo, { recursive: true, force: true });
  });

  for (const backend of ['tmux', 'pty'] as const) {
    it(`(${backend}) keys, credentials, another job's worktree and process, the tmux socket are out of reach; mam emit still works`, {
      timeout: 60_000,
    }, async () => {
      const spy = await h.createJob({ script: spyScript(h, victimPid), backend, expect: ['probes.txt'] });
      const s = await h.waitSession(spy.id);
      // The session's program is bubblewrap: the sandbox is in force, not merely configured.
      // (Polled: the tmux pane starts as the launcher's sh, which then exec's bwrap.)
      if (existsSync('/proc/self/exe'))
        await eventually(() => expect(readlinkSync(`/proc/${s.pid}/exe`)).toMatch(/bwrap$/));
      await h.waitJob(spy.id, (j) => j.state === 'done', 'done', 40_000);
      const probes = readFileSync(join(spy.workdir, 'probes.txt'), 'utf8').trim().split('\n');
      const reached = probes.filter((p) => p.startsWith('reached: '));
      if (reached.length !== 3) throw new Error(probes.join('\n'));
      // The workspace lies in /tmp here, and the sandbox's /tmp is its own: the write lands there, not in the
      // workspace.
      expect(reached[0]).toMatch(/^reached: touch .*outside\.txt$/);
      expect(existsSync(join(h.tw.root, 'outside.txt'))).toBe(false);
      expect(reached.slice(1)).toEqual([
        expect.stringMatching(/^reached: touch own\.txt$/),
        expect.stringMatching(/^reached: cat .*ca\.crt$/),
      ]);
      expect(existsSync(join(spy.workdir, 'own.txt'))).toBe(true);
      expect(probes).toHaveLength(12);
      await eventually(() => expect(h.session(spy.id)!.end_reason).toMatch(/^job\.done/), 20_000);
    });
  }
});

describeSandbox("the operator's state of a job in the sandbox", () => {
  let h: TestHost;
  beforeAll(async () => {
    h = await startHost({ config: { sessions: { isolation: 'bwrap' } } });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it("is out of the job's agent's reach: a pushed counter or a wiped outbox cannot stop the operator's stop", {
    timeout: 60_000,
  }, async () => {
    const operator = `operator@${h.ctx.cfg.host}`;
    // The agent pushes the operator's seq counter to the last safe integer and empties its outbox,
    // wherever in its job folder the operator might keep them.
    const script = `ls -A "$MAM_JOB_DIR/operator" > seen.txt 2>&1
for d in "$MAM_JOB_DIR" "$MAM_JOB_DIR/operator"; do
  mkdir -p "$d" 2>/dev/null; printf ${Number.MAX_SAFE_INTEGER} > "$d/seq-${operator}" 2>/dev/null; rm -rf "$d/outbox" 2>/dev/null
done
mam emit job.started
exec sleep 600
`;
    const job = await h.createJob({ script, backend: 'pty' });
    await h.waitJob(job.id, (j) => j.state === 'running', 'running');
    // Inside, the operator's folder is an empty cover (outside it holds the create's counter), and
    // the counter outside is untouched.
    expect(readFileSync(join(job.workdir, 'seen.txt'), 'utf8').trim()).toBe('');
    expect(readFileSync(join(h.ctx.ws.operatorDir(job.id), `seq-${operator}`), 'utf8')).not.toBe(
      String(Number.MAX_SAFE_INTEGER),
    );
    const r = await h.mam(['job', 'stop', job.id, '--reason', 'enough']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    await h.waitJob(job.id, (j) => j.state === 'cancelled', 'cancelled');
  });
});

describeSandbox('a claude-like agent in the sandbox', () => {
  const FAKE = join(packageRoot(), 'test', 'fixtures', 'fake-claude.mjs');
  let h: TestHost;
  let home: string;
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'mam-home-'));
    mkdirSync(join(home, '.claude'));
    h = await startHost({
      config: {
        sessions: { isolation: 'bwrap', killGraceMs: 1500 },
        agents: { claude: { bin: FAKE, readyTimeoutMs: 20_000, binds: [{ path: '~/.claude', mode: 'rw' }] } },
      },
      env: { HOME: home },
    });
  });
  afterAll(async () => {
    await h?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('works with its config folder bound: dialog answered, prompt submitted, its session kept in ~/.claude, done through its hooks', {
    timeout: 60_000,
  }, async () => {
    const id = `claude-${randomBytes(3).toString('hex')}`;
    const workdir = join(h.tw.root, 'work', id);
    mkdirSync(workdir, { recursive: true });
    const log = join(workdir, 'fake.log');
    writeFileSync(
      join(workdir, '.fake.json'),
      JSON.stringify({ FAKE_START_MS: '300', FAKE_LOG: log, FAKE_CONFIG: '1' }),
    );
    const body = {
      agent: 'claude',
      workdir,
      prompt: 'tidy the README',
      backend: 'tmux',
      worktree: false,
      launch: true,
    };
    const r = await emitEvent(
      operatorIdentity(h.ctx, id, 0),
      topics.control(h.ctx.cfg.namespace, h.ctx.cfg.host),
      'control.create',
      body,
      { wait: true, timeoutMs: 20_000 },
    );
    expect(r.committed).toBe(true);
    await h
      .waitJob(id, (j) => j.state === 'done', 'done', 40_000)
      .catch((err: Error) => {
        throw new Error(`${err.message}\n--- fake log\n${existsSync(log) ? readFileSync(log, 'utf8') : ''}`);
      });
    const fakeLog = readFileSync(log, 'utf8');
    // pid 2 in its own PID namespace (bubblewrap's init is 1): it ran in the sandbox.
    expect(fakeLog).toMatch(/ claude\[2\] /);
    expect(fakeLog).toMatch(/trust: chose "Yes, I trust this folder"/);
    expect(fakeLog).toMatch(/hook Stop exit 0|submitted/);
    // What it wrote in its config folder reached the real one, outside the sandbox.
    const projects = readdirSync(join(home, '.claude', 'projects'));
    expect(projects).toHaveLength(1);
    expect(readdirSync(join(home, '.claude', 'projects', projects[0]!))).toEqual([
      `${h.session(id)!.agent_session_id}.jsonl`,
    ]);
  });
});
