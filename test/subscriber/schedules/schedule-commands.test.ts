/**
 * `mam schedule add|list|remove` through the real broker and reconciler: signed operator commands
 * kept in the registry of the host they name; bad input refused before anything is sent; a replay
 * of an add cannot bring back a removed schedule; an agent in its session cannot add one.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hmac } from '../../../core/keys.js';
import { topics } from '../../../core/topics.js';
import { startHost, type TestHost } from '../../helpers/host/index.js';
import { withRegistryFile } from '../../helpers/registry-file.js';
import { waitFor } from '../../helpers/wait.js';

const WORKFLOW =
  'params:\n  - name: module\n    type: string\nsteps:\n  - id: build\n    agent: command\n    prompt: "build {{params.module}}"\n';

interface Listed {
  id: string;
  host: string;
  cron: string;
  next_at: number | null;
  params: Record<string, string>;
  firings: number;
}

describe('mam schedule', () => {
  let h: TestHost;
  let file: string;
  const list = async () => JSON.parse(String((await h.mam(['schedule', 'list', '--json'])).stdout)) as Listed[];
  const commands = () =>
    withRegistryFile(
      h.ctx.ws.db,
      (db) => db.prepare<[], number>("SELECT COUNT(*) FROM events WHERE type LIKE 'schedule.%'").pluck().get()!,
    );

  beforeAll(async () => {
    h = await startHost();
    file = join(h.tw.root, 'nightly.yaml');
    writeFileSync(file, WORKFLOW);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('add keeps the workflow and params on this host with its next firing; list shows it; remove forgets it', async () => {
    const before = Date.now();
    const r = await h.mam(['schedule', 'add', file, '--cron', '0 3 * * *', '--param', 'module=core']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(String(r.stdout)).toMatch(/^schedule nightly on testhost: "0 3 \* \* \*", next firing \d{4}-/);
    const [s] = await list();
    expect(s).toMatchObject({ id: 'nightly', host: h.ctx.cfg.host, cron: '0 3 * * *', params: { module: 'core' } });
    expect(s!.next_at).toBeGreaterThan(before);
    expect(new Date(s!.next_at!).getMinutes()).toBe(0);
    expect(h.read((reg) => reg.getSchedule('nightly'))!.workflow).toBe(WORKFLOW);
    expect(String((await h.mam(['schedule', 'list'])).stdout)).toMatch(/nightly\s+testhost\s+0 3 \* \* \*/);

    // The same id again replaces it.
    expect((await h.mam(['schedule', 'add', file, '--cron', '30 4 * * 1'])).exitCode).toBe(0);
    expect(await list()).toMatchObject([{ id: 'nightly', cron: '30 4 * * 1', params: {} }]);

    const rm = await h.mam(['schedule', 'remove', 'nightly']);
    expect(rm.exitCode, String(rm.stderr)).toBe(0);
    expect(await list()).toEqual([]);
  });

  it('refuses a bad cron expression, a bad param, a missing file or schedule, sending nothing', async () => {
    const sent = commands();
    const bad = await h.mam(['schedule', 'add', file, '--cron', '61 * * * *']);
    expect(bad.exitCode).toBe(2);
    expect(String(bad.stderr)).toMatch(/not a cron expression: .*minute: 61\n\s+hint: five fields/);
    expect((await h.mam(['schedule', 'add', file, '--cron', '* * * * *', '--param', 'no-equals'])).exitCode).toBe(2);
    const missing = await h.mam(['schedule', 'add', join(h.tw.root, 'nope.yaml'), '--cron', '* * * * *']);
    expect(missing.exitCode).toBe(4);
    const unknown = await h.mam(['schedule', 'remove', 'never-added']);
    expect(unknown.exitCode).toBe(4);
    expect(String(unknown.stderr)).toMatch(/no schedule "never-added"/);
    expect(commands()).toBe(sent);
  });

  it('a replayed schedule.add does not bring back a removed schedule', async () => {
    expect((await h.mam(['schedule', 'add', file, '--cron', '0 3 * * *', '--id', 'replayed'])).exitCode).toBe(0);
    expect((await h.mam(['schedule', 'remove', 'replayed'])).exitCode).toBe(0);
    const raw = withRegistryFile(h.ctx.ws.db, (db) =>
      db
        .prepare<[], Buffer>("SELECT raw FROM events WHERE job = 'schedule-replayed' AND type = 'schedule.add'")
        .pluck()
        .get(),
    )!;
    const op = await h.operator();
    await op.publish(topics.control(h.ctx.cfg.namespace, h.ctx.cfg.host), raw, { qos: 1 });
    await waitFor(
      () => h.rejections('schedule-replayed').some((x) => x.reason === 'replay'),
      10_000,
      'the replay refused',
    );
    expect(h.read((reg) => reg.getSchedule('replayed'))).toBeUndefined();
  });

  it('an agent in its session cannot add a schedule (it has no operator login or key)', async () => {
    const { id, workdir } = await h.createJob({
      script: `printf 'steps: []\\n' > wf.yaml; mam schedule add wf.yaml --cron '* * * * *' --id from-agent --wait 3s > out.txt 2>&1; echo $? > rc.txt; mam emit job.done\nexec sleep 600\n`,
    });
    await h.waitJob(id, (j) => j.state === 'done', 'done');
    const rc = Number(readFileSync(join(workdir, 'rc.txt'), 'utf8'));
    expect(rc, readFileSync(join(workdir, 'out.txt'), 'utf8')).not.toBe(0);
    expect(rc).not.toBe(75);
    // The sandbox shows the session no workspace: neither the operator's login nor its key.
    expect(readFileSync(join(workdir, 'out.txt'), 'utf8')).toMatch(/no mam workspace/);
    await h.sweeps(1);
    expect(h.read((reg) => reg.getSchedule('from-agent'))).toBeUndefined();
  });

  it("a schedule.add signed with a job's key (what an agent holds) is refused, even on the operator's login", async () => {
    const { id } = await h.createJob({ script: 'mam emit job.started\nexec sleep 600\n' });
    const ns = h.ctx.cfg.namespace;
    const topic = topics.control(ns, h.ctx.cfg.host);
    const body = { id: 'forged', cron: '* * * * *', file: 'x.yaml', workflow: 'steps: []' };
    const kid = h.ctx.keyring.activeKid;
    const forge = (sender: string) => {
      const msg = JSON.stringify({
        v: 1,
        ns,
        job: 'schedule-forged',
        type: 'schedule.add',
        sender,
        gen: 0,
        seq: 1,
        ts: Date.now(),
        body,
      });
      const sig = hmac(h.ctx.keyring.keyFor(kid, id)!, `mam-v1\n${topic}\n${msg}`).toString('base64url');
      return Buffer.from(JSON.stringify({ kid, sig, msg }));
    };
    const op = await h.operator();
    await op.publish(topic, forge(`operator@${h.ctx.cfg.host}`), { qos: 1 });
    await op.publish(topic, forge(id), { qos: 1 });
    const refused = () =>
      h.read((reg) => reg.listRejections({ topic, limit: 100 })).filter((r) => r.raw?.includes('forged'));
    await waitFor(() => refused().length >= 2, 10_000, 'both forgeries refused');
    expect(
      refused()
        .map((r) => r.reason)
        .sort(),
    ).toEqual(['bad_signature', 'bad_signature']);
    expect(h.read((reg) => reg.getSchedule('forged'))).toBeUndefined();
    await h.mam(['job', 'stop', id]);
  });
});
