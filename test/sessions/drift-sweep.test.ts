/**
 * Drift reconciliation (issue 4, deliver 5) against real tmux on the host's
 * private socket: a session killed behind mam's back is `lost` within one
 * sweep; a mam-named session mam never launched becomes an orphan job and is
 * left running, sweep after sweep.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMamSessionName, sessionName } from '../../agents/session-name.js';
import { waitFor } from '../helpers/wait.js';
import { sealEnvelope } from '../../core/envelope.js';
import { topics } from '../../core/topics.js';
import { RESUMED_REASON } from '../../subscriber/apply-message.js';
import { openRegistry } from '../../subscriber/registry/registry.js';
import { GATED_AGENT, release, startHost, type TestHost } from '../helpers/host/index.js';

const SWEEP_MS = 300;

describe('drift sweep', () => {
  let h: TestHost;
  beforeAll(async () => {
    h = await startHost({ sweepIntervalMs: SWEEP_MS });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("a tmux session killed behind mam's back → job lost within one sweep", async () => {
    const { id } = await h.createJob({ script: GATED_AGENT });
    await h.waitJob(id, (j) => j.state === 'running', 'running');
    const s = h.session(id)!;
    expect((await h.tmux('kill-session', '-t', `=${s.name}`)).ok).toBe(true);
    const killedAt = Date.now();
    // One sweep interval, plus the sweep's own work and the registry write: well under two intervals.
    const job = await h.waitJob(id, (j) => j.state === 'lost', 'lost', SWEEP_MS * 2 + 1000);
    const took = Date.now() - killedAt;
    expect(took, `lost after ${took} ms`).toBeLessThanOrEqual(SWEEP_MS * 2 + 1000);
    expect(job.reason).toContain(s.name);
    const ended = h.session(id)!;
    expect(ended.ended_at).not.toBeNull();
    expect(ended.end_reason).toMatch(/^lost/);
  });

  it("a pty session whose program dies behind mam's back → job lost within one sweep", async () => {
    const { id } = await h.createJob({ script: GATED_AGENT, backend: 'pty' });
    await h.waitJob(id, (j) => j.state === 'running', 'running');
    const s = h.session(id)!;
    process.kill(-s.pid!, 'SIGKILL');
    const job = await h.waitJob(id, (j) => j.state === 'lost', 'lost', SWEEP_MS * 2 + 1000);
    expect(job.reason).toContain(s.name);
  });

  it('a session whose job ended while nobody acted on it → ended through the verified path within one sweep', async () => {
    const { id } = await h.createJob({ script: GATED_AGENT });
    const running = await h.waitJob(id, (j) => j.state === 'running', 'running');
    const s = h.session(id)!;
    // What a reconciler stopped right after committing a done leaves behind: the job done, its session
    // still up. Written here by another connection to the registry, as that commit would be found.
    const reg = openRegistry(h.ctx.ws.db);
    try {
      reg.transaction(() => reg.updateJob(id, 'done', null, running.gen));
    } finally {
      reg.close();
    }
    await waitFor(async () => !!h.session(id)?.ended_at, SWEEP_MS * 2 + 3000, 'the session to be ended and recorded');
    expect(await h.sessionAlive(s)).toBe(false);
    const ended = h.session(id)!;
    expect(ended.end_reason).toBe('done committed before the session was ended');
    expect(h.job(id)).toMatchObject({ state: 'done', gen: running.gen });
  });

  it('a created job whose launch never came → launched by the next sweep', async () => {
    // What a reconciler stopped right after committing a control.create leaves behind: the job queued,
    // no session. Written here by another connection, with the body `mam job create` sends as its spec.
    const id = 'never-launched';
    const workdir = h.workdirOf(id);
    mkdirSync(workdir, { recursive: true });
    writeFileSync(join(workdir, 'agent.sh'), `#!/bin/sh\n${GATED_AGENT}`, { mode: 0o755 });
    const reg = openRegistry(h.ctx.ws.db);
    try {
      reg.transaction(() =>
        reg.createJob({
          id,
          state: 'queued',
          host: h.ctx.cfg.host,
          agent: 'command',
          workdir,
          spec: { agent: 'command', workdir, launch: true, command: ['sh', 'agent.sh'], backend: 'tmux' },
        }),
      );
    } finally {
      reg.close();
    }
    const job = await h.waitJob(id, (j) => j.state === 'running', 'launched and running', SWEEP_MS * 2 + 10_000);
    expect(job.gen).toBe(1);
    const s = h.session(id)!;
    expect(await h.sessionAlive(s)).toBe(true);
    // Launched once: later sweeps leave the running job alone.
    await h.sweeps(3);
    expect(h.read((reg) => reg.jobSessions(id))).toHaveLength(1);
  });

  it("a resumed job whose launch never came → the old session superseded, the new generation launched with the resume's prompt", async () => {
    const { id, workdir } = await h.createJob({ script: GATED_AGENT });
    await h.waitJob(id, (j) => j.state === 'running', 'running');
    const old = h.session(id)!;
    // What a reconciler stopped right after committing a control.resume leaves behind: the job starting in
    // generation 2 with its resume event committed, generation 1's session still up, no generation 2 session.
    const ns = h.ctx.cfg.namespace;
    const topic = topics.control(ns, h.ctx.cfg.host);
    const ts = Date.now();
    const raw = sealEnvelope(
      ns,
      topic,
      {
        v: 1,
        ns,
        job: id,
        type: 'control.resume',
        sender: 'operator',
        gen: 0,
        seq: ts,
        ts,
        body: { prompt: 'pick up where you left off' },
      },
      h.ctx.keyring,
    );
    const reg = openRegistry(h.ctx.ws.db);
    try {
      reg.transaction(() => {
        reg.updateJob(id, 'starting', RESUMED_REASON, 2, ts);
        reg.insertEvent({
          job: id,
          sender: 'operator',
          seq: ts,
          gen: 0,
          type: 'control.resume',
          ts,
          received_at: ts,
          kid: h.ctx.keyring.activeKid,
          applied: 1,
          state_after: 'starting',
          raw,
        });
      });
    } finally {
      reg.close();
    }
    const fresh = await h.waitSession(id, SWEEP_MS * 2 + 10_000);
    expect(fresh.gen).toBe(2);
    release(h, id, 2, 'printf %s "$MAM_PROMPT" > prompt.txt');
    await h.waitJob(id, (j) => j.state === 'running' && j.gen === 2, 'generation 2 running');
    await waitFor(() => existsSync(join(workdir, 'prompt.txt')), 5000, 'the new generation to write its prompt');
    expect(readFileSync(join(workdir, 'prompt.txt'), 'utf8')).toBe('pick up where you left off');
    expect(h.session(id, 1)).toMatchObject({ end_reason: 'superseded by resume' });
    expect(await h.sessionAlive(old)).toBe(false);
    expect(await h.sessionAlive(fresh)).toBe(true);
    // Launched once: later sweeps leave the running generation alone.
    await h.sweeps(3);
    expect(h.read((reg) => reg.jobSessions(id))).toHaveLength(2);
  });

  it('a session a launch started but never recorded (the reconciler stopped in between) → adopted by its job, then ended with it', async () => {
    const id = 'unrecorded-1';
    const workdir = join(h.tw.root, 'work', id);
    mkdirSync(workdir, { recursive: true });
    const name = sessionName({ agent: 'command', workdir, job: `${id}#1` });
    // The job's done committed (its agent reported it), its session's row never written.
    const reg = openRegistry(h.ctx.ws.db);
    try {
      reg.createJob({
        id,
        state: 'done',
        host: h.ctx.cfg.host,
        agent: 'command',
        workdir,
        gen: 1,
        spec: { agent: 'command', workdir, launch: true },
      });
    } finally {
      reg.close();
    }
    expect((await h.tmux('new-session', '-d', '-s', name, 'sleep 600')).ok).toBe(true);
    await waitFor(async () => !!h.session(id, 1)?.ended_at, SWEEP_MS * 6 + 5000, 'the session adopted and ended');
    expect(h.session(id, 1)).toMatchObject({ name, end_reason: 'done committed before the session was ended' });
    expect((await h.tmux('has-session', '-t', `=${name}`)).ok).toBe(false);
    const orphan = `orphan-${createHash('sha256').update(name).digest('hex').slice(0, 12)}`;
    expect(h.job(orphan)).toBeUndefined();
  });

  it('an unknown mam-named tmux session → orphan job registered, session left alive', async () => {
    const name = sessionName({ agent: 'command', workdir: '/somewhere/else', job: 'made-by-hand' });
    expect(isMamSessionName(name)).toBe(true);
    expect((await h.tmux('new-session', '-d', '-s', name, 'sleep 600')).ok).toBe(true);
    // A session of the user's own, not mam-named, is none of mam's business.
    expect((await h.tmux('new-session', '-d', '-s', 'my-own-work', 'sleep 600')).ok).toBe(true);
    const id = `orphan-${createHash('sha256').update(name).digest('hex').slice(0, 12)}`;
    const job = await h.waitJob(id, (j) => j.state === 'running', 'orphan registered', SWEEP_MS * 2 + 1000);
    expect(job.reason).toContain(name);
    expect(job.reason).toMatch(/orphan/);
    const s = h.session(id, 0)!;
    expect(s.name).toBe(name);
    expect(s.backend).toBe('tmux');
    // Several sweeps later: still registered once, still running, never killed.
    await h.sweeps(4);
    expect((await h.tmux('has-session', '-t', `=${name}`)).ok).toBe(true);
    expect(h.job(id)!.state).toBe('running');
    expect(h.read((reg) => reg.listJobs().filter((j) => j.id.startsWith('orphan-')))).toHaveLength(1);
    expect((await h.tmux('has-session', '-t', '=my-own-work')).ok).toBe(true);
  });

  it('an orphan that later vanishes is reported lost, like any other session', async () => {
    const name = sessionName({ agent: 'command', workdir: '/elsewhere/again', job: 'short-lived' });
    await h.tmux('new-session', '-d', '-s', name, 'sleep 600');
    const id = `orphan-${createHash('sha256').update(name).digest('hex').slice(0, 12)}`;
    await h.waitJob(id, (j) => j.state === 'running', 'orphan registered', SWEEP_MS * 2 + 1000);
    await h.tmux('kill-session', '-t', `=${name}`);
    await h.waitJob(id, (j) => j.state === 'lost', 'orphan lost', SWEEP_MS * 2 + 1000);
    await waitFor(() => !!h.session(id, 0)?.ended_at, 2000, 'orphan session ended in the registry');
  });
});
