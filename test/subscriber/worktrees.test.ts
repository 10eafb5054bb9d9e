import { existsSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withRegistryFile } from '../helpers/registry-file.js';
import { removalReason } from '../../subscriber/worktrees.js';
import { waitFor } from '../helpers/wait.js';
import { jsonLines } from '../helpers/cli-output.js';
import { GATE, git, makeRepo, openGate, startHost, type TestHost } from '../helpers/host/index.js';

// Reports started, waits for the test, then does what the gate says and stays: only mam ends the session.
const AGENT = `mam emit job.started || exit 1\n${GATE}exec sleep 600\n`;
const COMMIT = 'pwd > where.txt && git add where.txt && git commit -q -m "agent work" && mam emit job.done';

const branchExists = (repo: string, job: string) => git(repo, 'branch', '--list', `mam/${job}`) !== '';
const worktreeListed = (repo: string, path: string) =>
  git(repo, 'worktree', 'list', '--porcelain').includes(`worktree ${path}\n`);

describe('worktree removal policy', () => {
  it('removes after done on-success, after any terminal state with always, never with never', () => {
    expect(removalReason('done', 'on-success', 'sweep')).toBeDefined();
    for (const s of ['failed', 'cancelled', 'timeout', 'lost', 'running', 'review'] as const)
      expect(removalReason(s, 'on-success', 'sweep')).toBeUndefined();
    for (const s of ['done', 'failed', 'cancelled', 'timeout'] as const)
      expect(removalReason(s, 'always', 'sweep')).toBeDefined();
    expect(removalReason('lost', 'always', 'sweep')).toBeUndefined();
    expect(removalReason('done', 'never', 'sweep')).toBeUndefined();
    // A job the registry does not have is an orphan under every policy.
    expect(removalReason(undefined, 'never', 'sweep')).toMatch(/^orphan/);
    // gc frees every ended job's, whatever the policy kept.
    for (const s of ['done', 'failed', 'cancelled', 'timeout', 'lost'] as const)
      expect(removalReason(s, 'never', 'gc')).toBeDefined();
    for (const s of ['queued', 'starting', 'running', 'testing', 'review', 'blocked', 'retrying'] as const)
      expect(removalReason(s, 'always', 'gc')).toBeUndefined();
  });
});

describe('a git worktree per job', () => {
  let h: TestHost;
  let repo: string;
  beforeAll(async () => {
    h = await startHost({ repos: true });
    repo = makeRepo();
  });
  afterAll(async () => h?.close());

  it('runs the session in .mam/worktrees/<job> on branch mam/<job>, removes it after done and keeps the branch', async () => {
    const { id: job } = await h.createJob({ workdir: repo, script: AGENT, expect: ['where.txt', 'git:commit'] });
    const path = join(h.ctx.ws.worktreesDir, job);
    await h.waitJob(job, (j) => j.state === 'running', 'running');
    const s = h.read((reg) => reg.getSession(job, 1))!;
    expect(s.workdir).toBe(path);
    expect(s.git_base).toBe(git(repo, 'rev-parse', 'HEAD'));
    expect(branchExists(repo, job)).toBe(true);
    expect(worktreeListed(repo, path)).toBe(true);
    expect(git(path, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe(`mam/${job}`);
    if (existsSync('/proc')) expect(readlinkSync(`/proc/${s.pid}/cwd`)).toBe(path);

    openGate(h, job, COMMIT);
    await h.waitJob(job, (j) => j.state === 'done', 'done');
    await waitFor(() => !existsSync(path), 15_000, 'the worktree to be removed').catch((e) => {
      throw new Error(`${e.message}\n${h.logs()}`);
    });
    expect(worktreeListed(repo, path)).toBe(false);
    expect(branchExists(repo, job)).toBe(true);
    // The agent's commit survives on the branch, made where the session ran.
    expect(git(repo, 'log', '-1', '--format=%s', `mam/${job}`)).toBe('agent work');
    expect(git(repo, 'show', `mam/${job}:where.txt`)).toBe(path);
    // The workdir itself was never touched.
    expect(git(repo, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');
    expect(existsSync(join(repo, 'where.txt'))).toBe(false);
  });

  it('--no-worktree runs in the workdir itself', async () => {
    const { id: job } = await h.createJob({ workdir: repo, script: AGENT, worktree: false });
    await h.waitJob(job, (j) => j.state === 'running', 'running');
    expect(h.read((reg) => reg.getSession(job, 1))!.workdir).toBe(repo);
    expect(existsSync(join(h.ctx.ws.worktreesDir, job))).toBe(false);
    expect(branchExists(repo, job)).toBe(false);
    await h.mam(['job', 'stop', job]);
  });

  it('keeps the worktree of a failed job for inspection; mam gc frees it and reports the bytes', async () => {
    const { id: job } = await h.createJob({ workdir: repo, script: AGENT });
    const path = join(h.ctx.ws.worktreesDir, job);
    await h.waitJob(job, (j) => j.state === 'running', 'running');
    writeFileSync(join(path, 'scratch.bin'), Buffer.alloc(64 * 1024, 1));
    openGate(h, job, 'mam emit job.failed --field reason=broke');
    await h.waitJob(job, (j) => j.state === 'failed', 'failed');
    await waitFor(() => h.read((reg) => reg.getSession(job, 1)?.ended_at != null), 15_000, 'the session to end');
    // A running job's worktree is never a candidate.
    const { id: running } = await h.createJob({ workdir: repo, script: AGENT });
    await h.waitJob(running, (j) => j.state === 'running', 'running');
    await h.daemon.reconciler.sweepNow();
    expect(existsSync(path)).toBe(true);

    const dry = await h.mam(['gc', '--dry-run', '--json']);
    expect(dry.exitCode, String(dry.stderr)).toBe(0);
    const planned = jsonLines<{
      dryRun: boolean;
      freedBytes: number;
      items: Array<{ kind: string; job: string; bytes: number }>;
    }>(dry.stdout)[0];
    expect(planned.dryRun).toBe(true);
    expect(planned.freedBytes).toBe(0);
    const item = planned.items.find((i) => i.kind === 'worktree' && i.job === job);
    expect(item!.bytes).toBeGreaterThanOrEqual(64 * 1024);
    expect(planned.items.some((i) => i.job === running)).toBe(false);
    expect(existsSync(path)).toBe(true);

    const gc = await h.mam(['gc', '--json']);
    expect(gc.exitCode, String(gc.stderr)).toBe(0);
    const freed = jsonLines<{ freedBytes: number; items: Array<{ kind: string; job: string; freed: boolean }> }>(
      gc.stdout,
    )[0];
    expect(freed.items.find((i) => i.kind === 'worktree' && i.job === job)!.freed).toBe(true);
    expect(freed.freedBytes).toBeGreaterThanOrEqual(64 * 1024);
    expect(existsSync(path)).toBe(false);
    expect(worktreeListed(repo, path)).toBe(false);
    expect(branchExists(repo, job)).toBe(true);
    expect(existsSync(join(h.ctx.ws.worktreesDir, running))).toBe(true);
    await h.mam(['job', 'stop', running]);

    // A resume re-adds the worktree from the kept branch; git:commit still counts from the first base.
    rmSync(join(h.ctx.ws.jobDir(job), 'go'));
    const base = h.read((reg) => reg.getSession(job, 1))!.git_base;
    const resumed = await h.mam(['job', 'resume', job]);
    expect(resumed.exitCode, String(resumed.stderr)).toBe(0);
    await h.waitJob(job, (j) => j.state === 'running' && j.gen === 2, 'running again');
    const s2 = h.read((reg) => reg.getSession(job, 2))!;
    expect(s2.workdir).toBe(path);
    expect(s2.git_base).toBe(base);
    expect(git(path, 'rev-parse', 'HEAD')).toBe(git(repo, 'rev-parse', `mam/${job}`));
    await h.mam(['job', 'stop', job]);
  });

  it('sweeps a worktree whose job is not in the registry', async () => {
    const ghost = 'ghost-job-1';
    const path = join(h.ctx.ws.worktreesDir, ghost);
    git(repo, 'worktree', 'add', '-q', '-b', `mam/${ghost}`, path, 'HEAD');
    expect(worktreeListed(repo, path)).toBe(true);
    await waitFor(
      async () => (await h.daemon.reconciler.sweepNow(), !existsSync(path)),
      15_000,
      'the orphan worktree to be swept',
    );
    expect(worktreeListed(repo, path)).toBe(false);
    expect(branchExists(repo, ghost)).toBe(true);
  });

  it('sweeps the worktree of a job lost in a crash: daemon gone mid-job, session gone, job row gone', async () => {
    const { id: job } = await h.createJob({ workdir: repo, script: AGENT });
    const path = join(h.ctx.ws.worktreesDir, job);
    await h.waitJob(job, (j) => j.state === 'running', 'running');
    const name = h.read((reg) => reg.getSession(job, 1))!.name;
    git(path, 'commit', '-q', '--allow-empty', '-m', 'work before the crash');
    await h.restartDaemon(async () => {
      await execa('tmux', ['-L', h.socket, 'kill-session', '-t', `=${name}`], { reject: false });
      // What survives a crash that lost the registry's rows (or a restored older registry).
      withRegistryFile(h.ctx.ws.db, (db) => {
        db.prepare('DELETE FROM sessions WHERE job = ?').run(job);
        db.prepare('DELETE FROM jobs WHERE id = ?').run(job);
      });
    });
    expect(existsSync(path)).toBe(true);
    await waitFor(
      async () => (await h.daemon.reconciler.sweepNow(), !existsSync(path)),
      15_000,
      "the crashed job's worktree to be swept",
    ).catch((e) => {
      throw new Error(`${e.message}\n${h.logs()}`);
    });
    expect(worktreeListed(repo, path)).toBe(false);
    expect(git(repo, 'log', '-1', '--format=%s', `mam/${job}`)).toBe('work before the crash');
  });

  it('never discards uncommitted changes on its own: a dirty worktree of a done job is kept for gc', async () => {
    const { id: job } = await h.createJob({ workdir: repo, script: AGENT });
    const path = join(h.ctx.ws.worktreesDir, job);
    await h.waitJob(job, (j) => j.state === 'running', 'running');
    openGate(h, job, 'echo unsaved > notes.txt && mam emit job.done');
    await h.waitJob(job, (j) => j.state === 'done', 'done');
    await waitFor(
      () => h.lines.some((l) => l.includes('worktree kept') && l.includes(job)),
      15_000,
      'the daemon to say it kept the worktree',
    );
    expect(readFileSync(join(path, 'notes.txt'), 'utf8')).toBe('unsaved\n');
    const gc = await h.mam(['gc']);
    expect(gc.exitCode).toBe(0);
    expect(String(gc.stdout)).toMatch(/freed \d/);
    expect(existsSync(path)).toBe(false);
  });
});
