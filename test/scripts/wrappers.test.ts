/**
 * The wrappers against a real workspace: its broker, a real `mam reconcile`
 * child, and the compiled CLI found the way a user's script would find it.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ID_PATTERN } from '../../core/topics.js';
import { spawnReconciler, startMesh, type Mesh, type ReconcilerChild } from '../helpers/reconciler.js';
import { makeWorkspace, MAM_BIN, runMam, type TestWorkspace } from '../helpers/workspace.js';
import { describeShells, REPO, runShell, SCRIPTS_DIR, WRAPPERS } from './shells.js';

let m: Mesh;
let reconciler: ReconcilerChild;
let fresh: TestWorkspace;
let tmp: string;
/** Exit codes of `mam` itself for the failures the wrappers must pass through. */
const mamCode: Record<string, number | undefined> = {};

/** Each of these runs mam several times over; a loaded machine makes that slow. */
const SLOW = 120_000;

/** Arguments that would break a wrapper that re-splits or re-expands them. */
const AWKWARD_PROMPT = `it's "quoted" $HOME * \\n -h\nsecond line`;

beforeAll(async () => {
  m = await startMesh();
  reconciler = await spawnReconciler(m);
  fresh = await makeWorkspace();
  tmp = mkdtempSync(join(tmpdir(), 'mam-wrappers-'));
  writeFileSync(join(tmp, 'prompt.txt'), 'from a file\n');
  // The scripts folder copied where its path has spaces and no mam package above it.
  cpSync(SCRIPTS_DIR, join(tmp, 'my scripts'), { recursive: true });
  const codes = await Promise.all([
    runMam(m.tw, ['job', 'resume', 'jnosuchjob']),
    runMam(m.tw, ['job', 'stop', 'jnosuchjob', '--wait', '1s']),
    runMam(m.tw, ['job', 'show', 'jnosuchjob']),
    runMam(m.tw, ['job', 'create', '--agent', 'Bad!']),
    runMam(fresh, ['jobs']),
  ]);
  [mamCode.resumeUnknown, mamCode.stopUnknown, mamCode.showUnknown, mamCode.badAgent, mamCode.noRegistry] = codes.map(
    (r) => r.exitCode,
  );
});

afterAll(async () => {
  await reconciler?.stop();
  await m?.close();
  fresh?.cleanup();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

it('mam itself gives the codes the wrappers are held to', () => {
  // Not found is 4 for every command (a stop for a job nobody knows is not kept either).
  expect(mamCode).toEqual({ resumeUnknown: 4, stopUnknown: 4, showUnknown: 4, badAgent: 2, noRegistry: 4 });
});

describeShells('scripts/ wrappers', (shell, name) => {
  /** `<shell> scripts/<script> args...` from the repo, in the test workspace (MAM_HOME). */
  const run = (script: string, args: string[], extra: Record<string, string> = {}, tw: TestWorkspace = m.tw) =>
    runShell(shell, [`scripts/${script}`, ...args], { cwd: REPO, env: { ...tw.env, ZDOTDIR: tmp, ...extra } });
  const show = async (job: string) => {
    const r = await run('status.sh', [job, '--json']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    return JSON.parse(String(r.stdout)) as {
      job: { id: string; state: string; reason: string | null; spec: Record<string, unknown> };
    };
  };
  const workdir = () => ['--workdir', m.tw.root];

  it(
    '-h and --help print usage and exit 0; no arguments is a usage error (2)',
    async () => {
      for (const script of WRAPPERS) {
        for (const flag of ['-h', '--help']) {
          const r = await run(script, [flag]);
          expect(r.exitCode, `${script} ${flag}: ${r.stderr}`).toBe(0);
          expect(r.stdout).toMatch(new RegExp(`^usage: ${script.replace('.', '\\.')} `));
        }
        if (script === 'status.sh') continue;
        const bare = await run(script, []);
        expect(bare.exitCode, script).toBe(2);
        expect(bare.stderr).toMatch(/^usage: /);
        expect(bare.stdout).toBe('');
      }
    },
    SLOW,
  );

  it(
    'create → status → stop → status, for real: the id alone on stdout, arguments kept verbatim',
    async () => {
      const created = await run('create.sh', [
        '--agent',
        'command',
        ...workdir(),
        '--prompt',
        AWKWARD_PROMPT,
        '--expect',
        'out file.txt',
        '--expect',
        'git:commit',
        '--no-launch',
        '--',
        './agent.sh',
        'a b',
        '--x=$1',
        '',
      ]);
      expect(created.exitCode, String(created.stderr)).toBe(0);
      const job = String(created.stdout);
      expect(job).toMatch(ID_PATTERN);
      const shown = await show(job);
      expect(shown.job.state).toBe('starting');
      expect(shown.job.spec).toMatchObject({
        agent: 'command',
        workdir: m.tw.root,
        launch: false,
        prompt: AWKWARD_PROMPT,
        expect: ['out file.txt', 'git:commit'],
        command: ['./agent.sh', 'a b', '--x=$1', ''],
      });
      const text = await run('status.sh', [job]);
      expect(text.stdout).toMatch(new RegExp(`^job ${job}: starting`));
      const listed = await run('status.sh', []);
      expect(listed.exitCode).toBe(0);
      expect(listed.stdout).toContain(job);

      const stopped = await run('stop.sh', [job, '--reason', `stopped by ${name}'s test`]);
      expect(stopped.exitCode, String(stopped.stderr)).toBe(0);
      expect((await show(job)).job).toMatchObject({ state: 'cancelled', reason: `stopped by ${name}'s test` });
      const cancelled = await run('status.sh', ['--state', 'cancelled', '--json']);
      expect((JSON.parse(String(cancelled.stdout)) as Array<{ id: string }>).map((j) => j.id)).toContain(job);
    },
    SLOW,
  );

  it('create passes --json through and reads --prompt @file', async () => {
    const r = await run('create.sh', [
      '--agent',
      'command',
      ...workdir(),
      '--prompt',
      `@${join(tmp, 'prompt.txt')}`,
      '--no-launch',
      '--json',
    ]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const line = JSON.parse(String(r.stdout)) as { job: string; created: boolean };
    expect(line.created).toBe(true);
    expect((await show(line.job)).job.spec.prompt).toBe('from a file\n');
  });

  it('create on a host with no reconciler: exit 75, and the id is still printed', async () => {
    const r = await run('create.sh', [
      '--agent',
      'command',
      ...workdir(),
      '--no-launch',
      '--host',
      'elsewhere',
      '--wait',
      '1s',
    ]);
    expect(r.exitCode).toBe(75);
    expect(String(r.stdout)).toMatch(ID_PATTERN);
    expect(r.stderr).toMatch(/not acknowledged in time; .*outbox.*\n\s+hint: /);
  });

  it(
    'failures exit with the same code as mam: unknown job, bad flag, no registry',
    async () => {
      expect((await run('resume.sh', ['jnosuchjob'])).exitCode).toBe(mamCode.resumeUnknown);
      const st = await run('stop.sh', ['jnosuchjob', '--wait', '1s']);
      expect(st.exitCode, `${st.stdout}\n${st.stderr}`).toBe(mamCode.stopUnknown);
      expect((await run('status.sh', ['jnosuchjob'])).exitCode).toBe(mamCode.showUnknown);
      expect((await run('create.sh', ['--agent', 'Bad!'])).exitCode).toBe(mamCode.badAgent);
      expect((await run('create.sh', ['--agent', 'command', '--no-such-flag'])).exitCode).toBe(2);
      expect((await run('status.sh', [], {}, fresh)).exitCode).toBe(mamCode.noRegistry);
    },
    SLOW,
  );

  it('runs from a folder whose path has spaces; without MAM_BIN or a mam to find: 127 and a hint', async () => {
    const script = join(tmp, 'my scripts', 'create.sh');
    const env = { ...m.tw.env, ZDOTDIR: tmp, PATH: `${dirname(process.execPath)}:/usr/bin:/bin` };
    const r = await runShell(shell, [script, '--agent', 'command', ...workdir(), '--no-launch'], {
      cwd: tmp,
      env: { ...env, MAM_BIN },
    });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(String(r.stdout)).toMatch(ID_PATTERN);
    const lost = await runShell(shell, [script, '--agent', 'command'], { cwd: tmp, env });
    expect(lost.exitCode).toBe(127);
    expect(lost.stderr).toMatch(/cannot find the mam CLI\n\s+hint: set MAM_BIN/);
    expect(lost.stdout).toBe('');
  });
});

describe('scripts/ wrappers found on PATH', () => {
  it('run through their #!/bin/sh line and still find lib.sh and the CLI', async () => {
    mkdirSync(join(tmp, 'elsewhere'), { recursive: true });
    const r = await runShell('status.sh', ['--json'], {
      cwd: join(tmp, 'elsewhere'),
      env: { ...m.tw.env, PATH: `${SCRIPTS_DIR}:${m.tw.env.PATH}` },
    });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(Array.isArray(JSON.parse(String(r.stdout)))).toBe(true);
  });
});
