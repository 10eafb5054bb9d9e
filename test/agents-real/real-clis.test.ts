/**
 * The pinned real agent CLIs (Claude Code, Gemini CLI, Codex from npm) driven
 * through mam: a real TLS broker, the real host daemon, tmux on a private
 * socket and node-pty. Each starts from a throwaway HOME with a dummy key and
 * its updater off; every first-run dialog is answered by explicit selection,
 * the prompt is submitted and confirmed, and the model call fails (no network
 * to the model APIs): the job must end failed — never done — with the CLI's
 * error in its reason, the CLI's own session id recorded where the CLI gives
 * it, and no process of the job's left behind.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emitEvent } from '../../broker/emitter/emit-event.js';
import type { Context } from '../../core/context.js';
import { topics } from '../../core/topics.js';
import { operatorIdentity } from '../../subscriber/operator-identity.js';
import type { JobRow, Registry } from '../../subscriber/registry/registry.js';
import { waitFor } from '../helpers/wait.js';
import { startHost, type TestHost } from '../helpers/host/index.js';
import type { TestWorkspace } from '../helpers/workspace.js';
import { realCliEntry, realCliHome, writeCliWrapper } from '../../agents/real-clis/real-cli-env.js';

const CLIS = ['claude', 'gemini', 'codex'] as const;
const entries = Object.fromEntries(CLIS.map((c) => [c, realCliEntry(c)]));
let host: TestHost;
let tw: TestWorkspace;
let ctx: Context;
let lines: string[];

beforeAll(async () => {
  host = await startHost({
    namespace: 'realcli',
    // The agents' CLIs get time to quit on SIGTERM; sweeps at the configured default pace.
    killGraceMs: 1500,
    sweepIntervalMs: 3000,
    agents: (w) => {
      const agents: Record<string, unknown> = {};
      for (const cli of CLIS) {
        const entry = entries[cli];
        if (!entry) continue;
        const home = join(w.root, 'homes', cli);
        const bin = writeCliWrapper(join(w.root, 'bin'), cli, entry);
        // The sandbox (isolation auto, bwrap here) covers /tmp, where the throwaway home and the
        // wrapper live: bound back as a person binds their CLI's config folder.
        const binds = [
          { path: home, mode: 'rw' },
          { path: join(w.root, 'bin'), mode: 'ro' },
        ];
        agents[cli] = { bin, env: realCliHome(cli, home), binds, readyTimeoutMs: 60_000 };
      }
      return agents;
    },
  });
  ({ tw, ctx, lines } = host);
}, 60_000);

afterAll(() => host?.close());

const read = <T>(fn: (reg: Registry) => T): T => host.read(fn);

async function createJob(agent: string, backend: 'tmux' | 'pty', extra: Record<string, unknown> = {}): Promise<string> {
  const id = `${agent}-${backend}-${randomBytes(3).toString('hex')}`;
  const workdir = join(tw.root, 'work', id);
  mkdirSync(workdir, { recursive: true });
  const body = {
    agent,
    workdir,
    prompt: 'write hello to result.txt',
    backend,
    worktree: false,
    launch: true,
    ...extra,
  };
  const r = await emitEvent(
    operatorIdentity(ctx, id, 0),
    topics.control(ctx.cfg.namespace, ctx.cfg.host),
    'control.create',
    body,
    { wait: true, timeoutMs: 20_000 },
  );
  expect(r.committed).toBe(true);
  return id;
}

async function waitJob(id: string, ok: (row: JobRow) => boolean, what: string, ms: number): Promise<JobRow> {
  let row: JobRow | undefined;
  await waitFor(() => !!(row = read((reg) => reg.getJob(id))) && ok(row), ms, what).catch(() => {
    const stuck = (() => {
      try {
        return readFileSync(join(ctx.ws.jobDir(id), 'stuck-screen.txt'), 'utf8');
      } catch {
        return '';
      }
    })();
    throw new Error(
      `job ${id}: timed out waiting for ${what}; it is ${row?.state} (${row?.reason})\n${stuck}\n--- daemon log\n${lines
        .filter((l) => l.includes(id))
        .slice(-20)
        .join('\n')}`,
    );
  });
  return row!;
}

/** Processes whose environment names the job: none may outlive its session. */
function jobProcesses(id: string): number[] {
  const pids: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (readFileSync(`/proc/${p}/environ`, 'latin1').split('\0').includes(`MAM_JOB_ID=${id}`)) pids.push(Number(p));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

const driven = (id: string): boolean =>
  lines.some((l) => l.includes('agent driven') && l.includes(id) && l.includes('"prompted":true'));

async function expectEndedClean(id: string): Promise<void> {
  await waitFor(() => !!read((reg) => reg.getSession(id, 1))?.ended_at, 20_000, `session of ${id} to end`);
  await waitFor(() => jobProcesses(id).length === 0, 10_000, `no process of ${id} left`).catch(() => {
    throw new Error(
      `processes of ${id} left behind: ${jobProcesses(id)
        .map((p) => `${p} ${readFileSync(`/proc/${p}/cmdline`, 'latin1').replace(/\0/g, ' ')}`)
        .join('; ')}`,
    );
  });
}

describe.skipIf(!entries.claude)('Claude Code (real, pinned)', () => {
  // One retry: on a 2-core machine running the whole suite, the real Claude once quit on its trust
  // dialog (its "No, exit" taken) where every run alone and every other full run got through it.
  it.each(['tmux', 'pty'] as const)(
    '%s: trust → API key "Yes" → prompt confirmed → StopFailure → failed with the API error',
    { retry: 1 },
    async (backend) => {
      const id = await createJob('claude', backend);
      const row = await waitJob(id, (r) => ['failed', 'blocked', 'done'].includes(r.state), 'the failed turn', 60_000);
      expect(row.state, row.reason ?? '').toBe('failed');
      expect(row.reason).toMatch(/API error \(\w+\): API Error/);
      expect(driven(id)).toBe(true);
      expect(read((reg) => reg.getSession(id, 1))?.agent_session_id).toMatch(/^[0-9a-f-]{36}$/);
      await expectEndedClean(id);
    },
    90_000,
  );
});

describe.skipIf(!entries.gemini)('Gemini CLI (real, pinned)', () => {
  it.each(['tmux', 'pty'] as const)(
    '%s: auth "Use Gemini API Key" → pre-filled key submitted → prompt confirmed → AfterAgent without a response → failed',
    async (backend) => {
      const id = await createJob('gemini', backend);
      const row = await waitJob(id, (r) => ['failed', 'blocked', 'done'].includes(r.state), 'the failed turn', 90_000);
      expect(row.state, row.reason ?? '').toBe('failed');
      expect(row.reason).toMatch(/without a model response.*: \[API Error: /);
      expect(driven(id)).toBe(true);
      expect(read((reg) => reg.getSession(id, 1))?.agent_session_id).toMatch(/^[0-9a-f-]{36}$/);
      await expectEndedClean(id);
    },
    120_000,
  );
});

describe.skipIf(!entries.codex)('Codex (real, pinned)', () => {
  it.each(['tmux', 'pty'] as const)(
    '%s: login "Sign in another way" → "Use an OpenAI API key" → detected key → prompt confirmed → offline it never completes: the job times out',
    async (backend) => {
      const id = await createJob('codex', backend, { timeoutMs: 30_000 });
      const row = await waitJob(
        id,
        (r) => ['failed', 'blocked', 'done', 'timeout'].includes(r.state),
        'the job timeout',
        90_000,
      );
      expect(row.state, row.reason ?? '').toBe('timeout');
      expect(driven(id), readFileSync(join(ctx.ws.jobDir(id), 'drive-times.json'), 'utf8')).toBe(true);
      await expectEndedClean(id);
    },
    120_000,
  );
});
