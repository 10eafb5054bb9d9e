/**
 * Verified termination (issue 4, deliver 4): a session ends only after a
 * verified done for its generation AND the job's expected artifacts exist.
 * Real broker, real host daemon, real tmux on a private socket, real node-pty.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.js';
import { startHost, type TestHost } from '../helpers/host/index.js';

const SWEEP_MS = 300;

describe.each(['tmux', 'pty'] as const)('verified termination on %s', (backend) => {
  let h: TestHost;
  beforeAll(async () => {
    h = await startHost({ sweepIntervalMs: SWEEP_MS });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('launch → done → artifacts present → session gone', async () => {
    const { id } = await h.createJob({ backend, expect: ['out.txt'], cli: backend === 'tmux' });
    const launched = await h.waitSession(id);
    expect(launched.backend).toBe(backend);
    expect(launched.pid).toBeGreaterThan(1);
    const job = await h.waitJob(id, (j) => j.state === 'done', 'done');
    expect(job.gen).toBe(1);
    await waitFor(() => !!h.session(id)?.ended_at, 10_000, `the session of ${id} to be ended`).catch((e: Error) => {
      throw new Error(`${e.message}\n${h.logs()}`);
    });
    const ended = h.session(id)!;
    expect(ended.end_reason).toMatch(/^job\.done \(seq \d+ from agent\)$/);
    expect(await h.sessionAlive(ended)).toBe(false);
    if (backend === 'tmux') expect((await h.tmux('has-session', '-t', `=${ended.name}`)).ok).toBe(false);
    expect(h.rejections(id)).toEqual([]);
  });

  it('done with artifacts missing → job blocked naming them, session kept alive', async () => {
    const script = 'mam emit job.done --field summary="claims done" || exit 1\nexec sleep 600\n';
    const { id } = await h.createJob({ backend, script, expect: ['out.txt', 'report/summary.md'] });
    const job = await h.waitJob(id, (j) => j.state === 'blocked', 'blocked by missing artifacts');
    expect(job.reason).toContain('out.txt');
    expect(job.reason).toContain('report/summary.md');
    expect(job.reason).toMatch(/artifacts are missing/);
    // Give the post-commit actions and a few drift sweeps every chance to (wrongly) end it.
    await h.sweeps(3);
    const s = h.session(id)!;
    expect(s.ended_at).toBeNull();
    expect(await h.sessionAlive(s)).toBe(true);
    expect(h.job(id)!.state).toBe('blocked');
  });

  it('an artifact outside the workdir never counts as present', async () => {
    // The file exists (the agent made it), but a path escaping the workdir is never an artifact.
    const script = 'touch ../escape.txt\nmam emit job.done || exit 1\nexec sleep 600\n';
    const { id } = await h.createJob({ backend, script, expect: ['../escape.txt'] });
    const job = await h.waitJob(id, (j) => j.state === 'blocked', 'blocked: artifact outside the workdir');
    expect(job.reason).toContain('../escape.txt');
    const s = h.session(id)!;
    expect(s.ended_at).toBeNull();
    expect(await h.sessionAlive(s)).toBe(true);
  });
});
