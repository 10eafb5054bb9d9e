/**
 * Runs answer to the operator alone: a run.start or run.stop signed with a job's key
 * (what a step's agent holds) is refused, whatever login carries it, and changes no run; a step's
 * agent asking `mam run stop` from its session finds no workspace to sign with.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hmac } from '../../core/keys.js';
import { topics } from '../../core/topics.js';
import { startHost, type TestHost } from '../helpers/host/index.js';
import { waitFor } from '../helpers/wait.js';

// The step tries to stop its own run from its session, then waits for the test's file.
const WF = `steps:
  - id: hold
    agent: command
    command: [sh, -c, 'mam run stop "$0" > tried.txt 2>&1; echo "exit $?" >> tried.txt; while [ ! -f release ]; do sleep 0.05; done; mam emit job.done || exit 1; exec sleep 600', '{{run}}']
  - id: after
    agent: command
    needs: [hold]
    command: [sh, -c, 'mam emit job.done || exit 1; exec sleep 600']
`;

describe('run commands are the operator’s', () => {
  let h: TestHost;
  let work: string;
  beforeAll(async () => {
    // The default isolation: a step's session is sandboxed and sees no workspace.
    h = await startHost();
    work = mkdtempSync(join(tmpdir(), 'mam-forgery-'));
  });
  afterAll(async () => {
    await h?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it("refuses run.stop and run.start signed with a step's job key, on any login; the run goes on", async () => {
    const file = join(h.tw.root, 'hold.yaml');
    writeFileSync(file, WF);
    const r = await h.mam(['run', file, '--workdir', work, '--id', 'fg']);
    expect(r.exitCode, `${r.stderr}\n${h.logs()}`).toBe(0);
    const tried = join(work, 'tried.txt');
    await waitFor(() => existsSync(tried) && readFileSync(tried, 'utf8').includes('exit '), 30_000, 'the step tried');
    // Its session has no workspace: nothing to sign an operator command with.
    expect(readFileSync(tried, 'utf8')).toMatch(/no mam workspace/);
    expect(readFileSync(tried, 'utf8')).not.toContain('exit 0');

    const ns = h.ctx.cfg.namespace;
    const topic = topics.control(ns, h.ctx.cfg.host);
    const kid = h.ctx.keyring.activeKid;
    const stepKey = h.ctx.keyring.keyFor(kid, 'fg-hold-1')!;
    const forge = (type: string, body: object, sender: string, seq: number) => {
      const msg = JSON.stringify({
        v: 1,
        ns,
        job: `run-${(body as { id: string }).id}`,
        type,
        sender,
        gen: 0,
        seq,
        ts: Date.now(),
        body,
      });
      const sig = hmac(stepKey, `mam-v1\n${topic}\n${msg}`).toString('base64url');
      return Buffer.from(JSON.stringify({ kid, sig, msg }));
    };
    const op = await h.operator();
    const operatorName = `operator@${h.ctx.cfg.host}`;
    await op.publish(topic, forge('run.stop', { id: 'fg' }, operatorName, 1000), { qos: 1 });
    await op.publish(topic, forge('run.stop', { id: 'fg' }, 'fg-hold-1', 1), { qos: 1 });
    await op.publish(
      topic,
      forge('run.start', { id: 'forged', file: 'x.yaml', workflow: WF, workdir: work }, operatorName, 1000),
      { qos: 1 },
    );
    const refused = () =>
      h.read((reg) => reg.listRejections({ topic, limit: 100 })).filter((x) => /run\.(stop|start)/.test(x.raw ?? ''));
    await waitFor(() => refused().length >= 3, 10_000, 'every forgery refused');
    expect(new Set(refused().map((x) => x.reason))).toEqual(new Set(['bad_signature']));
    expect(h.read((reg) => reg.getRun('forged'))).toBeUndefined();
    expect(h.read((reg) => reg.getRun('fg')?.state)).toBe('running');

    writeFileSync(join(work, 'release'), '');
    await waitFor(() => h.read((reg) => reg.getRun('fg')?.state) === 'done', 60_000, 'run fg done');
    expect(h.read((reg) => reg.runSteps('fg').map((s) => s.job))).toEqual(['fg-hold-1', 'fg-after-1']);
  });
});
