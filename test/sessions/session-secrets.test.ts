/**
 * Issue 11 items 4 and 5, without the sandbox (isolation "none"): a job's
 * key and broker password never appear in any process's command line, nor
 * in the tmux server's environment, nor in what tmux tells a client about a
 * session; so another job's session, which can reach the tmux server, learns
 * nothing from `tmux show-environment`. The agents still get them: each job
 * reaches done through its own signed `mam emit`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionLogin } from '../../core/credentials.js';
import { GATED_AGENT, release, startHost, type TestHost } from '../helpers/host/index.js';

/** What a job's session must keep to itself: its key (as the session gets it) and its broker password. */
function secretsOf(h: TestHost, job: string): string[] {
  const kid = h.ctx.keyring.activeKid;
  return [
    h.ctx.keyring.keyFor(kid, job)!.toString('base64'),
    sessionLogin(h.ctx.creds, job, h.ctx.cfg.broker.agentLogin).password,
  ];
}

const readOr = (file: string): string => {
  try {
    return readFileSync(file, 'latin1');
  } catch {
    return ''; // gone, or not ours to read
  }
};

/** Every process's command line, and the environment of every tmux server, as one text per process. */
function processTexts(): Array<{ pid: string; what: string; text: string }> {
  const out: Array<{ pid: string; what: string; text: string }> = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    out.push({ pid, what: 'cmdline', text: readOr(`/proc/${pid}/cmdline`) });
    if (readOr(`/proc/${pid}/comm`).startsWith('tmux'))
      out.push({ pid, what: 'environ', text: readOr(`/proc/${pid}/environ`) });
  }
  return out;
}

describe('job secrets stay out of command lines and tmux (isolation none)', () => {
  let h: TestHost;
  beforeAll(async () => {
    h = await startHost({ config: { sessions: { isolation: 'none' } } });
  });
  afterAll(async () => h?.close());

  it('no /proc/*/cmdline, nor a tmux server environment, ever holds a job key or broker password during launches', {
    timeout: 90_000,
  }, async () => {
    const ids = Array.from({ length: 6 }, (_, i) => `secret-${i}`);
    const secrets = ids.flatMap((id) => secretsOf(h, id).map((s) => ({ id, s })));
    const hits: string[] = [];
    let scanning = true;
    let passes = 0;
    const scan = (async () => {
      while (scanning) {
        for (const p of processTexts())
          for (const { id, s } of secrets)
            if (p.text.includes(s)) hits.push(`${id}'s secret in /proc/${p.pid}/${p.what}: ${p.text.slice(0, 120)}`);
        passes++;
        await sleep(2);
      }
    })();
    // Half on each backend, all at once: the launches overlap the scans.
    await Promise.all(
      ids.map((id, i) =>
        h.createJob({ id, script: GATED_AGENT, backend: i % 2 ? 'pty' : 'tmux', expect: ['out.txt'] }),
      ),
    );
    for (const id of ids) await h.waitJob(id, (j) => j.state === 'running', 'running');
    for (const id of ids) release(h, id, 1, 'echo ok > out.txt; mam emit job.done');
    for (const id of ids) await h.waitJob(id, (j) => j.state === 'done', 'done');
    scanning = false;
    await scan;
    expect(passes).toBeGreaterThan(10);
    expect(hits.slice(0, 5)).toEqual([]);
  });

  it("from inside one job's session, `tmux show-environment` of another job's session reveals neither its key nor its password", {
    timeout: 60_000,
  }, async () => {
    const other = await h.createJob({ id: 'victim', script: GATED_AGENT, backend: 'tmux', expect: ['out.txt'] });
    const victim = await h.waitSession(other.id);
    await h.waitJob(other.id, (j) => j.state === 'running', 'running');
    // The peeking agent names the server and the session outright: reaching tmux is not what is tested.
    const peek = [
      `tmux -L ${h.socket} show-environment -t '=${victim.name}' > peek-all.txt 2>&1`,
      `tmux -L ${h.socket} show-environment -t '=${victim.name}' MAM_JOB_KEY > peek-key.txt 2>&1`,
      `tmux -L ${h.socket} show-environment -g > peek-global.txt 2>&1`,
      `tmux -L ${h.socket} list-sessions -F '#{session_name}' > sessions.txt 2>&1`,
      'mam emit job.done',
      'exec sleep 600',
    ].join('\n');
    const spy = await h.createJob({ id: 'spy', script: peek, backend: 'tmux' });
    await h.waitJob(spy.id, (j) => j.state === 'done', 'done');
    const seen = (f: string) => readFileSync(join(spy.workdir, f), 'utf8');
    // The server was reached: it listed the victim's session.
    expect(seen('sessions.txt')).toContain(victim.name);
    for (const f of ['peek-all.txt', 'peek-key.txt', 'peek-global.txt']) {
      for (const s of secretsOf(h, other.id)) expect(seen(f), f).not.toContain(s);
      expect(seen(f), f).not.toMatch(/MAM_JOB_KEY=|MAM_BROKER_PASSWORD=/);
    }
    release(h, other.id, 1, 'echo ok > out.txt; mam emit job.done');
    await h.waitJob(other.id, (j) => j.state === 'done', 'done');
  });
});
