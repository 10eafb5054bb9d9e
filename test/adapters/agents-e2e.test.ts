/**
 * Every agent adapter against its fake CLI through the real session path: a
 * real TLS broker, the real host daemon (reconciler + sessions) on a private
 * tmux socket (node-pty for one), `mam emit` from the agents' own hooks.
 * Each job goes: slow start → trust dialog answered with its Yes option (the
 * fakes pre-select No; a bare Enter would quit them) → prompt typed, the
 * dropped first Enter retried, submission confirmed → the agent reports
 * itself done → the session verifiably ends.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emitEvent } from '../../broker/emitter/emit-event.js';
import type { Context } from '../../core/context.js';
import { packageRoot } from '../../core/package-root.js';
import { topics } from '../../core/topics.js';
import { operatorIdentity } from '../../subscriber/operator-identity.js';
import type { JobRow, Registry } from '../../subscriber/registry/registry.js';
import { isRunning } from '../agents/session-helpers.js';
import { startHost, type TestHost } from '../helpers/host/index.js';
import { waitFor } from '../helpers/wait.js';
import type { TestWorkspace } from '../helpers/workspace.js';

const FIXTURES = join(packageRoot(), 'test', 'fixtures');
const AGENTS = ['claude', 'gemini', 'codex', 'hermes'] as const;
let host: TestHost;
let tw: TestWorkspace;
let ctx: Context;
let socket: string;
let lines: string[];

beforeAll(async () => {
  host = await startHost({
    namespace: 'adapters',
    // The agents' CLIs get time to quit on SIGTERM; sweeps at the configured default pace.
    killGraceMs: 1500,
    sweepIntervalMs: 3000,
    agents: () => {
      const agents = Object.fromEntries(
        AGENTS.map((a) => [a, { bin: join(FIXTURES, `fake-${a}.mjs`), readyTimeoutMs: 20_000 }]),
      );
      // Short enough for the stuck-screen test, long enough for a loaded machine.
      agents.gemini!.readyTimeoutMs = 10_000;
      return agents;
    },
  });
  ({ tw, ctx, socket, lines } = host);
});

afterAll(() => host?.close());

const read = <T>(fn: (reg: Registry) => T): T => host.read(fn);

interface Job {
  id: string;
  workdir: string;
  fakeLog(): string;
}

/** A job through the signed control.create `mam job create` sends; FAKE_* knobs go in the workdir's .fake.json. */
async function createJob(
  agent: string,
  prompt: string,
  fake: Record<string, string> = {},
  backend: 'tmux' | 'pty' = 'tmux',
): Promise<Job> {
  const id = `${agent}-${randomBytes(3).toString('hex')}`;
  const workdir = join(tw.root, 'work', id);
  mkdirSync(workdir, { recursive: true });
  const log = join(workdir, 'fake.log');
  writeFileSync(join(workdir, '.fake.json'), JSON.stringify({ FAKE_START_MS: '300', FAKE_LOG: log, ...fake }));
  const body = { agent, workdir, prompt, backend, worktree: false, launch: true };
  const r = await emitEvent(
    operatorIdentity(ctx, id, 0),
    topics.control(ctx.cfg.namespace, ctx.cfg.host),
    'control.create',
    body,
    { wait: true, timeoutMs: 20_000 },
  );
  expect(r.committed).toBe(true);
  return { id, workdir, fakeLog: () => (existsSync(log) ? readFileSync(log, 'utf8') : '') };
}

async function waitJob(job: Job, ok: (row: JobRow) => boolean, what: string, ms = 40_000): Promise<JobRow> {
  let row: JobRow | undefined;
  await waitFor(() => !!(row = read((reg) => reg.getJob(job.id))) && ok(row), ms, what).catch(() => {
    throw new Error(
      `job ${job.id}: timed out waiting for ${what}; it is ${row?.state} (${row?.reason})\n--- fake log\n${job.fakeLog()}\n--- daemon log\n${lines.slice(-40).join('\n')}`,
    );
  });
  return row!;
}

/** The bodies of the job's applied events of one type, in order. */
function bodies(id: string, type: string): Array<Record<string, unknown>> {
  const events = read((reg) => reg.jobTimeline(id).filter((e) => e.type === type && e.applied === 1));
  return events.map((e) => e.body as Record<string, unknown>);
}

/** Done, and the session is verifiably over: ended in the registry, gone from tmux / its process gone. */
async function expectVerifiedEnd(job: Job, gen = 1) {
  const s = await (async () => {
    let row: ReturnType<Registry['getSession']>;
    await waitFor(
      () => !!(row = read((reg) => reg.getSession(job.id, gen)))?.ended_at,
      20_000,
      `session of ${job.id} to end`,
    );
    return row!;
  })();
  expect(s.end_reason).toMatch(/job\.done/);
  if (s.backend === 'tmux')
    expect(
      (await execa('tmux', ['-L', socket, 'has-session', '-t', `=${s.name}`], { reject: false })).exitCode,
    ).not.toBe(0);
  else expect(isRunning(s.pid!)).toBe(false);
  return s;
}

/** The fake's log lines that show the trust dialog was answered with its Yes option, and the dropped Enter retried. */
function expectDrivenCorrectly(log: string, yes: RegExp) {
  expect(log).toMatch(/trust dialog, pre-selected "(No, exit|Back to Agent Command Center|Don't trust)"/);
  expect(log).toMatch(new RegExp(`trust: chose "${yes.source}`));
  expect(log).not.toMatch(/exit 1: trust/);
  const order = ['enter dropped', 'enter accepted', 'submitted'].map((m) => log.indexOf(m));
  expect(order.every((i) => i >= 0)).toBe(true);
  expect(order).toEqual([...order].sort((a, b) => a - b));
}

describe('agent adapters against their fake CLIs', () => {
  it('claude (tmux, 2.5 s start): trust → prompt confirmed → Stop hook done → session ended', async () => {
    const t0 = Date.now();
    const job = await createJob('claude', 'fix the flaky test in foo.spec.ts', { FAKE_START_MS: '2500' });
    const row = await waitJob(job, (r) => r.state === 'done', 'done');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2500);
    const s = await expectVerifiedEnd(job);
    const log = job.fakeLog();
    expectDrivenCorrectly(log, /Yes, I trust this folder/);
    // Hooks were read from the job's --settings file and ran with the job's `mam emit`.
    expect(log).toMatch(
      /settings from \[".*claude-settings\.json"\]; hooks for \["SessionStart","Stop","StopFailure","SubagentStop","Notification"\]/,
    );
    expect(log).toMatch(/hook SessionStart exit 0 stdout=""/);
    // The Stop hook's own exit may not be logged: its done can end the session first.
    expect(log).toMatch(/exit 0: ctrl-c twice/);
    expect(s.agent_session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(bodies(job.id, 'job.done')).toEqual([{ summary: 'fake claude did: fix the flaky test in foo.spec.ts' }]);
    expect(row.reason).toBeNull();
  });

  it('gemini (tmux, multi-line prompt pasted): trust folder → restart → AfterAgent hook done', async () => {
    const job = await createJob('gemini', 'explain the build\nthen list the slow steps\nand stop');
    await waitJob(job, (r) => r.state === 'done', 'done');
    await expectVerifiedEnd(job);
    const log = job.fakeLog();
    expectDrivenCorrectly(log, /Trust folder \(/);
    expect(log).toMatch(/paste 3 line\(s\)/);
    expect(log).toMatch(/settings from \[".*gemini-home\/\.gemini\/settings\.json"\]/);
    expect(log).toMatch(/hook SessionStart exit 0 json-stdout=true/);
    expect(log.match(/trust: chose/g)).toHaveLength(1);
    expect(read((reg) => reg.getSession(job.id, 1))?.agent_session_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('codex (node-pty): trust → pasted prompt confirmed → notify done with the thread id', async () => {
    const job = await createJob('codex', 'add a --json flag to the report command', {}, 'pty');
    await waitJob(job, (r) => r.state === 'done', 'done');
    const s = await expectVerifiedEnd(job);
    expect(s.backend).toBe('pty');
    const log = job.fakeLog();
    expectDrivenCorrectly(log, /Trust and continue/);
    expect(s.agent_session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(bodies(job.id, 'job.done')[0]?.summary).toBe('fake codex did: add a --json flag to the report command');
  });

  it('hermes (tmux): prompt with reporting instructions → the agent runs mam emit itself', async () => {
    const job = await createJob('hermes', 'rename the config loader');
    await waitJob(job, (r) => r.state === 'done', 'done');
    const s = await expectVerifiedEnd(job);
    const log = job.fakeLog();
    expect(log).not.toMatch(/trust dialog/);
    expect(log).toMatch(/enter dropped[\s\S]*enter accepted/);
    expect(log).toMatch(/ran "job.started" exit 0/);
    expect(log).toMatch(/exit 0: ctrl-d/);
    expect(s.agent_session_id).toMatch(/^\d{8}_\d{6}_[0-9a-f]+$/);
    expect(bodies(job.id, 'job.done')).toEqual([{ summary: 'fake hermes finished the task' }]);
  });

  it('claude waiting on a permission is blocked; a resume continues its conversation with --resume', async () => {
    const job = await createJob('claude', 'delete the build folder [ask-permission]');
    const blocked = await waitJob(job, (r) => r.state === 'blocked', 'blocked by the permission notification');
    expect(blocked.reason).toBe('Claude needs your permission to use Bash');
    const first = read((reg) => reg.getSession(job.id, 1))!;
    expect(first.agent_session_id).toBeTruthy();
    const r = await emitEvent(
      operatorIdentity(ctx, job.id, 0),
      topics.control(ctx.cfg.namespace, ctx.cfg.host),
      'control.resume',
      { prompt: 'go ahead, it is safe' },
      { wait: true, timeoutMs: 20_000 },
    );
    expect(r.committed).toBe(true);
    await waitJob(job, (row) => row.state === 'done' && row.gen === 2, 'done in generation 2');
    await expectVerifiedEnd(job, 2);
    expect(job.fakeLog()).toContain(`"--resume","${first.agent_session_id}"`);
  });

  it('a screen it cannot get past blocks the job, naming the screen and keeping a capture', async () => {
    const job = await createJob('gemini', 'anything', { FAKE_SCREEN: 'login' });
    const row = await waitJob(job, (r) => r.state === 'blocked', 'blocked on the login screen', 30_000);
    const capture = join(ctx.ws.jobDir(job.id), 'stuck-screen.txt');
    expect(row.reason).toContain('stuck on the "login" screen');
    expect(row.reason).toContain(capture);
    expect(readFileSync(capture, 'utf8')).toContain('How would you like to authenticate');
    // Left running for a person to look at: blocked is not an end.
    const s = read((reg) => reg.getSession(job.id, 1))!;
    expect(s.ended_at).toBeNull();
  });
});
