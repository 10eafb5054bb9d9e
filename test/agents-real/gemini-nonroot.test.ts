/**
 * Gemini CLI's hooks load for a normal user: the pinned real CLI runs as
 * `nobody` (mam's tests run as root, as CI does) from the per-job
 * GEMINI_CLI_HOME the adapter writes, driven by the adapter through dialogs
 * to a confirmed prompt; its SessionStart and AfterAgent hooks run the relay,
 * whose `mam emit` calls a recording `mam` first on PATH. The system settings
 * file mam used before was skipped for every non-root user.
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { geminiAdapter } from '../../agents/adapters/gemini.js';
import { createTmuxBackend } from '../../agents/backends/tmux-backend.js';
import { realCliEntry, realCliHome } from '../../agents/real-clis/real-cli-env.js';
import { waitFor } from '../helpers/wait.js';

const entry = realCliEntry('gemini');
const NOBODY = { uid: 65534, gid: 65534 };
const root = mkdtempSync(join(tmpdir(), 'mam-gemini-user-'));
const socket = `test-${randomBytes(4).toString('hex')}`;
const backend = createTmuxBackend({ socket });
const name = 'gemini-user';
afterAll(async () => {
  // Its exit keys, then signals to its process group: Gemini CLI's processes outlive `tmux kill-server`.
  await backend.terminate(name, { exitKeys: ['C-c', 'C-c'] }).catch(() => undefined);
  await execa('tmux', ['-L', socket, 'kill-server'], { reject: false });
  rmSync(root, { recursive: true, force: true });
});

/** Everything under `dir` owned by nobody, so the CLI running as nobody can write its home and workdir. */
function giveToNobody(dir: string): void {
  chownSync(dir, NOBODY.uid, NOBODY.gid);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) giveToNobody(p);
    else if (!e.isSymbolicLink()) chownSync(p, NOBODY.uid, NOBODY.gid);
  }
}

describe.skipIf(!entry || userInfo().uid !== 0)('Gemini CLI as a normal user (real, pinned)', () => {
  it("loads mam's hooks from the per-job GEMINI_CLI_HOME: SessionStart, then AfterAgent without a response → job.failed", async () => {
    chmodSync(root, 0o755);
    // The CLI's installed folder may sit under root's home: a hard-linked copy nobody can read.
    const pkg = dirname(dirname(entry!));
    const cli = join(root, 'cli');
    await execa('cp', ['-al', dirname(dirname(dirname(pkg))), cli]);
    const copied = join(cli, entry!.slice(dirname(dirname(dirname(pkg))).length));
    const bin = join(root, 'bin');
    mkdirSync(bin);
    const emits = join(root, 'emits.txt');
    writeFileSync(emits, '');
    chmodSync(emits, 0o666);
    writeFileSync(join(bin, 'mam'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${emits}'\n`);
    writeFileSync(
      join(bin, 'gemini'),
      `#!/bin/sh\nexec setpriv --reuid=${NOBODY.uid} --regid=${NOBODY.gid} --clear-groups "${process.execPath}" "${copied}" "$@"\n`,
    );
    chmodSync(join(bin, 'mam'), 0o755);
    chmodSync(join(bin, 'gemini'), 0o755);
    const env = realCliHome('gemini', join(root, 'home'));
    const jobDir = join(root, 'job');
    const workdir = join(root, 'work');
    mkdirSync(jobDir);
    mkdirSync(workdir);
    const job = {
      id: 'gem-user',
      gen: 1,
      workdir,
      prompt: 'write hello to result.txt',
      jobDir,
      env: { HOME: env.HOME! },
      config: { bin: join(bin, 'gemini'), env, readyTimeoutMs: 60_000 },
    };
    const launch = geminiAdapter.launch(job);
    giveToNobody(join(root, 'home'));
    giveToNobody(jobDir);
    giveToNobody(workdir);
    expect(statSync(join(jobDir, 'gemini-home', '.gemini', 'settings.json')).uid).toBe(NOBODY.uid);

    await backend.start({
      name,
      cwd: workdir,
      command: launch.command,
      args: launch.args,
      env: { PATH: `${bin}:/usr/bin:/bin`, TERM: 'xterm-256color', MAM_JOB_DIR: jobDir, ...launch.env },
    });
    const ctl = new AbortController();
    await geminiAdapter.drive!({ backend, name, signal: ctl.signal }, job);
    await waitFor(() => /emit job\.failed/.test(readFileSync(emits, 'utf8')), 60_000, 'the AfterAgent hook');
    const lines = readFileSync(emits, 'utf8').trim().split('\n');
    expect(lines[0]).toMatch(/^emit job\.started --body \{"agentSessionId":"[0-9a-f-]{36}"\}$/);
    expect(lines.at(-1)).toMatch(
      /^emit job\.failed --body \{"reason":"Gemini CLI ended the turn without a model response/,
    );
    // The CLI really ran as nobody.
    expect(existsSync(join(jobDir, 'gemini-home', '.gemini', 'tmp'))).toBe(true);
    expect(statSync(join(jobDir, 'gemini-home', '.gemini', 'tmp')).uid).toBe(NOBODY.uid);
  }, 120_000);
});
