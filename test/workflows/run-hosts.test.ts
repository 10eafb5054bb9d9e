/**
 * Steps on another host, with two reconcilers (each with its sessions) on one machine sharing one
 * real broker: host B joined with its bundle (docs/MULTIHOST.md), with its own registry and tmux
 * socket. The run's owner records each launch decision, then sends the step's signed
 * control.create to the host `host:` names or `labels:` pick; that host runs it, and the owner
 * follows its state from the host's signed snapshots.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registry } from '../../subscriber/registry/registry.js';
import { startHost, type TestHost } from '../helpers/host/index.js';
import { waitFor } from '../helpers/wait.js';
import { joinHost, type JoinedHost } from '../helpers/joined-host.js';

const STEP = (name: string) =>
  `[sh, -c, 'printf %s "$MAM_PROMPT" > ${name}.prompt; mam emit job.done --field "summary=${name} ran" || exit 1; exec sleep 600']`;

const WORKFLOW = `name: hosts
steps:
  - id: here
    agent: command
    command: ${STEP('here')}
  - id: there
    agent: command
    host: B
    needs: [here]
    prompt: "after {{steps.here.summary}}"
    command: ${STEP('there')}
  - id: zoned
    agent: command
    labels: [zone=b]
    needs: [here]
    prompt: "{{brief}}"
    command: ${STEP('zoned')}
  - id: last
    agent: command
    needs: [there, zoned]
    prompt: "{{steps.there.summary}}; {{steps.zoned.summary}}"
    command: ${STEP('last')}
`;

// A step on B that waits: the run is stopped while it runs.
const WAITING = `steps:
  - id: away
    agent: command
    host: B
    command: [sh, -c, 'mam emit job.started || exit 1; exec sleep 600']
`;

describe('steps on another host', () => {
  let h: TestHost;
  let b: JoinedHost | undefined;

  beforeAll(async () => {
    h = await startHost({ config: { sessions: { isolation: 'none' } } });
    // B in A's hosts.json, with the label the zoned step asks for.
    b = await joinHost(h, 'B', ['--labels', 'zone=b']);
  });
  afterAll(async () => {
    await b?.close();
    await h?.close();
  });

  it('sends the steps placed on B to B, which runs them; the run goes on from their states', async () => {
    const dir = join(h.tw.root, 'hosts');
    mkdirSync(dir);
    writeFileSync(join(dir, 'wf.yaml'), WORKFLOW);
    const r = await h.mam(['run', join(dir, 'wf.yaml'), '--id', 'mh', '--workdir', dir]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const onB = b!.read;
    await waitFor(() => h.read((reg) => reg.getRun('mh')?.state) !== 'running', 60_000, 'the run ended').catch(() => {
      throw new Error(`run is ${h.read((reg) => reg.getRun('mh')?.state)}\n${h.logs()}`);
    });
    expect(h.read((reg) => reg.getRun('mh'))).toMatchObject({ state: 'done', reason: null });
    // A recorded each decision; the jobs of B ran in B's sessions, A's in A's.
    expect(h.read((reg) => reg.runSteps('mh').map((s) => [s.job, reg.getJob(s.job)?.host]))).toEqual([
      ['mh-here-1', 'testhost'],
      ['mh-there-1', 'B'],
      ['mh-zoned-1', 'B'],
      ['mh-last-1', 'testhost'],
    ]);
    for (const job of ['mh-there-1', 'mh-zoned-1']) {
      expect(onB((reg) => reg.getJob(job))).toMatchObject({ host: 'B', state: 'done' });
      expect(onB((reg) => reg.getSession(job, 1))).toMatchObject({ job });
      expect(h.session(job, 1)).toBeUndefined();
      expect(h.job(job)).toMatchObject({ state: 'done' });
    }
    expect(onB((reg) => reg.getJob('mh-here-1'))).toBeUndefined();
    // The handoff of summaries crosses hosts: B's step got A's, and A's last step got B's.
    expect(readFileSync(join(dir, 'there.prompt'), 'utf8')).toBe('after here ran');
    expect(readFileSync(join(dir, 'last.prompt'), 'utf8')).toBe('there ran; zoned ran');
    // {{brief}} of a step on B is the run host's brief of it, filled in when its create was sent.
    const brief = readFileSync(join(dir, 'zoned.prompt'), 'utf8');
    expect(brief).toContain('Run mh (running), step zoned, attempt 1');
    expect(brief).toMatch(/Before this step:\n {2}here \(mh-here-1\): done\n {4}here ran/);
    // Each create went to B once: B refused no second one.
    const exists = (reg: Registry) => reg.listRejections({ limit: 1000 }).filter((x) => x.reason === 'job_exists');
    expect(onB(exists)).toEqual([]);
    // A saw its own creates for B go by: recorded, not refused.
    expect(h.read(exists)).toEqual([]);
    expect(h.read((reg) => reg.jobTimeline('mh-there-1', 50).filter((e) => e.type === 'control.create'))).toHaveLength(
      1,
    );
  });

  it('refuses a run whose step names a host nobody knows, starting nothing', async () => {
    const dir = join(h.tw.root, 'ghost');
    mkdirSync(dir);
    writeFileSync(join(dir, 'wf.yaml'), WAITING.replace('host: B', 'host: ghost'));
    const r = await h.mam(['run', join(dir, 'wf.yaml'), '--id', 'gh', '--workdir', dir]);
    expect(r.exitCode).toBe(2);
    expect(String(r.stderr)).toMatch(/host "ghost" named by a step is not known here/);
    expect(h.read((reg) => reg.getRun('gh'))).toBeUndefined();
  });

  it("a run's stop cancels its step on B through B: the operator's signed job.cancelled, B ends the session", async () => {
    const dir = join(h.tw.root, 'away');
    mkdirSync(dir);
    writeFileSync(join(dir, 'wf.yaml'), WAITING);
    expect((await h.mam(['run', join(dir, 'wf.yaml'), '--id', 'aw', '--workdir', dir])).exitCode).toBe(0);
    const onB = b!.read;
    await waitFor(() => h.job('aw-away-1')?.state === 'running', 30_000, 'running on B, as A sees it');
    expect((await h.mam(['run', 'stop', 'aw'])).exitCode).toBe(0);
    await waitFor(() => onB((reg) => reg.getJob('aw-away-1')?.state) === 'cancelled', 20_000, 'cancelled on B');
    await waitFor(() => !!onB((reg) => reg.getSession('aw-away-1', 1)?.ended_at), 20_000, 'its session ended on B');
    await waitFor(() => h.job('aw-away-1')?.state === 'cancelled', 20_000, "A's copy says cancelled");
    expect(onB((reg) => reg.getJob('aw-away-1')!.reason)).toBe(`run stopped by operator@${h.ctx.cfg.host}`);
  });

  it("`mam job stop` on the admin ends a job of the joined host B: signed under B's control key, which B checks", async () => {
    const dir = join(h.tw.root, 'remote');
    mkdirSync(dir);
    const program = ['sh', '-c', 'mam emit job.started || exit 1; exec sleep 600'];
    const args = ['job', 'create', '--agent', 'command', '--host', 'B', '--id', 'rs', '--workdir', dir, '--no-wait'];
    const created = await h.mam([...args, '--', ...program]);
    expect(created.exitCode, String(created.stderr)).toBe(0);
    const onB = b!.read;
    await waitFor(() => h.job('rs')?.state === 'running', 30_000, 'running on B, as A sees it');
    const stopped = await h.mam(['job', 'stop', 'rs', '--reason', 'from the admin']);
    expect(stopped.exitCode, String(stopped.stderr)).toBe(0);
    await waitFor(() => onB((reg) => reg.getJob('rs')?.state) === 'cancelled', 20_000, 'cancelled on B');
    await waitFor(() => !!onB((reg) => reg.getSession('rs', 1)?.ended_at), 20_000, 'its session ended on B');
    expect(onB((reg) => reg.listRejections({ job: 'rs' }))).toEqual([]);
    // The admin's resume and its own `mam emit` about B's job: signed under B's control key too.
    const resumed = await h.mam(['job', 'resume', 'rs']);
    expect(resumed.exitCode, String(resumed.stderr)).toBe(0);
    await waitFor(() => onB((reg) => reg.getJob('rs'))?.gen === 2, 20_000, 'generation 2 on B');
    await waitFor(() => onB((reg) => reg.getJob('rs')?.state) === 'running', 20_000, 'running again on B');
    const blocked = await h.mam(['emit', 'job.blocked', '--job', 'rs', '--field', 'reason=a person decides']);
    expect(blocked.exitCode, String(blocked.stderr)).toBe(0);
    await waitFor(() => onB((reg) => reg.getJob('rs')?.state) === 'blocked', 20_000, 'blocked on B');
    expect(onB((reg) => reg.listRejections({ job: 'rs' }))).toEqual([]);
  });
});
