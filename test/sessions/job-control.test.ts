/**
 * The other ways a job ends, through the same termination path as a done
 * (issue 4, deliver 3/4): a job timeout → `timeout`, `mam job stop` → a
 * signed operator cancel → `cancelled`; and `mam ps --json` shows a live
 * session with the command that attaches to it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines } from '../helpers/cli-output.js';
import { waitFor } from '../helpers/wait.js';
import { GATED_AGENT, startHost, type TestHost } from '../helpers/host/index.js';

interface PsOutput {
  host: string;
  sessions: Array<{
    job: string;
    gen: number;
    backend: string;
    name: string;
    pid: number;
    state: string;
    attach: string;
  }>;
}

describe.each(['tmux', 'pty'] as const)('job control on %s', (backend) => {
  let h: TestHost;
  beforeAll(async () => {
    h = await startHost({ sweepIntervalMs: 300 });
  });
  afterAll(async () => {
    await h?.close();
  });

  async function expectEnded(id: string, reason: RegExp) {
    await waitFor(() => !!h.session(id)?.ended_at, 10_000, `the session of ${id} to end`).catch((e: Error) => {
      throw new Error(`${e.message}\n${h.logs()}`);
    });
    const s = h.session(id)!;
    expect(s.end_reason).toMatch(reason);
    expect(await h.sessionAlive(s)).toBe(false);
  }

  it('a job past its timeout → state timeout, session ended', async () => {
    // The agent starts and then never finishes; `--timeout` through the real CLI. The timeout
    // counts from the create: it leaves room for a sandboxed launch on a loaded machine (≈ 1.6 s seen).
    const { id } = await h.createJob({ backend, script: GATED_AGENT, timeoutMs: 3000, cli: true });
    await h.waitJob(id, (j) => j.state === 'running', 'running');
    const job = await h.waitJob(id, (j) => j.state === 'timeout', 'timeout', 10_000);
    expect(job.reason).toMatch(/timed out after 3000 ms/);
    await expectEnded(id, /^timeout$/);
  });

  it('`mam job stop` → state cancelled, session ended', async () => {
    const { id } = await h.createJob({ backend, script: GATED_AGENT });
    await h.waitJob(id, (j) => j.state === 'running', 'running');
    const r = await h.mam(['job', 'stop', id, '--reason', 'enough']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(String(r.stdout)).toContain(`${id}: stop committed`);
    const job = await h.waitJob(id, (j) => j.state === 'cancelled', 'cancelled');
    expect(job.reason).toBe('enough');
    await expectEnded(id, /^job\.cancelled \(seq \d+ from operator@testhost\)$/);
  });

  it('`mam ps --json` lists a live session with its attach command', async () => {
    const { id } = await h.createJob({ backend, script: GATED_AGENT });
    await h.waitJob(id, (j) => j.state === 'running', 'running');
    const s = h.session(id)!;
    const r = await h.mam(['ps', '--json']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const [ps] = jsonLines<PsOutput>(r.stdout);
    expect(ps.host).toBe('testhost');
    const row = ps.sessions.find((x) => x.job === id);
    expect(row).toMatchObject({ job: id, gen: 1, backend, name: s.name, pid: s.pid, state: 'running' });
    if (backend === 'tmux') {
      expect(row!.attach).toBe(`tmux -L ${h.socket} attach -t ${s.name}`);
      // The attach command names a session that really is on that socket.
      const [, , socket, , , name] = row!.attach.split(' ');
      expect(socket).toBe(h.socket);
      expect((await h.tmux('has-session', '-t', `=${name}`)).ok).toBe(true);
    } else {
      expect(row!.attach).toMatch(/mam job logs -f/);
    }
    // Ended sessions drop out of the list.
    await h.mam(['job', 'stop', id]);
    await expectEnded(id, /^job\.cancelled/);
    const after = jsonLines<PsOutput>((await h.mam(['ps', '--json'])).stdout)[0];
    expect(after.sessions.map((x) => x.job)).not.toContain(id);
  });
});
