import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { findRoot } from '../../core/workspace.js';
import { describeShells, REPO, runShell, SCRIPTS_DIR } from './shells.js';

const LIB = join(SCRIPTS_DIR, 'lib.sh');
const CLI = join(REPO, 'dist', 'mam.cjs');

let tmp: string;
/** Folder trees whose root mam_root must find, keyed by the cwd to ask from. */
let trees: { gitOnly: string; mamBeatsGit: string; bare: string };

beforeAll(() => {
  tmp = realpathSync(mkdtempSync(join(tmpdir(), 'mam-lib-sh-')));
  const mk = (...p: string[]) => (mkdirSync(join(tmp, ...p), { recursive: true }), join(tmp, ...p));
  mk('git-only', '.git');
  mk('mam-far', '.mam');
  mk('mam-far', 'inner', '.git');
  trees = { gitOnly: mk('git-only', 'x', 'y'), mamBeatsGit: mk('mam-far', 'inner', 'z'), bare: mk('bare') };
  // A stand-in CLI that records its argv and exits with a code of the test's choosing.
  writeFileSync(
    join(tmp, 'fake-mam.js'),
    `require('fs').writeFileSync(process.env.FAKE_ARGV, JSON.stringify(process.argv.slice(2))); process.exit(Number(process.env.FAKE_EXIT));\n`,
  );
  writeFileSync(join(tmp, 'package.json'), '{"type":"commonjs"}\n');
  mk('bin');
  writeFileSync(join(tmp, 'bin', 'mam'), '#!/bin/sh\necho "path mam $*"\nexit 43\n', { mode: 0o755 });
  mk('zdotdir');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** No mam on this PATH; node is there for the .js CLI. ZDOTDIR keeps the user's zsh dotfiles out. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
    HOME: tmp,
    ZDOTDIR: join(tmp, 'zdotdir'),
    LIB,
    ...extra,
  };
}

describeShells('scripts/lib.sh sourced', (shell, name) => {
  const sourced = (code: string, cwd: string, extra: Record<string, string> = {}) =>
    runShell(shell, ['-c', `. "$LIB"\n${code}`], { cwd, env: env(extra) });

  it('mam_root finds the workspace root as mam does: .mam/ first, then .git/, then the cwd', async () => {
    for (const cwd of [trees.gitOnly, trees.mamBeatsGit, trees.bare]) {
      const r = await sourced('mam_root', cwd);
      expect(r.exitCode, String(r.stderr)).toBe(0);
      expect(r.stdout).toBe(findRoot(cwd, {}));
    }
    expect((await sourced('mam_root', trees.gitOnly)).stdout).toBe(join(tmp, 'git-only'));
    expect((await sourced('mam_root', trees.mamBeatsGit)).stdout).toBe(join(tmp, 'mam-far'));
  });

  it('mam_root: MAM_HOME overrides, relative to the cwd like mam', async () => {
    expect((await sourced('mam_root', trees.gitOnly, { MAM_HOME: '/some/where' })).stdout).toBe('/some/where');
    expect((await sourced('mam_root', trees.bare, { MAM_HOME: 'rel/ws' })).stdout).toBe(
      findRoot(trees.bare, { MAM_HOME: 'rel/ws' }),
    );
  });

  it('works from the repo as `. ./scripts/lib.sh`: the CLI is found walking up from the cwd', async () => {
    const r = await runShell(shell, ['-c', '. ./scripts/lib.sh; mam_bin; mam_run --version'], {
      cwd: REPO,
      env: env(),
    });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(r.stdout).toBe(`${CLI}\nmam 0.1.0`);
    const sub = await sourced('mam_bin', join(REPO, 'core'));
    expect(sub.stdout).toBe(CLI);
  });

  it('mam_run passes arguments verbatim and returns the exit code of MAM_BIN', async () => {
    const argv = join(tmp, `argv-${name}.json`);
    const r = await sourced(`mam_bin; mam_run job 'a b' '' '*' '$HOME' '-h'; echo "rc=$?"`, trees.bare, {
      MAM_BIN: join(tmp, 'fake-mam.js'),
      FAKE_ARGV: argv,
      FAKE_EXIT: '42',
    });
    expect(r.stdout).toBe(`${join(tmp, 'fake-mam.js')}\nrc=42`);
    expect(JSON.parse(readFileSync(argv, 'utf8'))).toEqual(['job', 'a b', '', '*', '$HOME', '-h']);
  });

  it('a mam on PATH is used when MAM_BIN is unset and the package of lib.sh is unknown', async () => {
    const r = await sourced('mam_bin; mam_run x "y z"; echo "rc=$?"', trees.bare, {
      PATH: `${join(tmp, 'bin')}:${env().PATH}`,
    });
    // zsh names the sourced file in $0: the CLI of lib.sh's own package comes before PATH.
    if (name === 'zsh') expect(r.stdout).toBe(`${CLI}\nrc=2`);
    else expect(r.stdout).toBe(`${join(tmp, 'bin', 'mam')}\npath mam x y z\nrc=43`);
  });

  it('no CLI anywhere: 127 and a hint, and the shell carries on', async () => {
    const missing = await sourced('mam_run jobs; echo "rc=$?"', trees.bare, { MAM_BIN: join(tmp, 'nope.js') });
    expect(missing.stdout).toBe('rc=127');
    expect(missing.stderr).toMatch(/MAM_BIN=.*nope\.js is not a file\n\s+hint: /);
    const r = await sourced('mam_bin; echo "rc=$?"', trees.bare);
    if (name === 'zsh') {
      expect(r.stdout).toBe(`${CLI}\nrc=0`);
    } else {
      expect(r.stdout).toBe('rc=127');
      expect(r.stderr).toMatch(/cannot find the mam CLI\n\s+hint: set MAM_BIN/);
    }
  });

  it('sourced in an interactive shell with unusual options, a failing mam_run returns instead of exiting', async () => {
    // Options users set in their rc files; the helpers must not depend on the defaults.
    const opts = name === 'zsh' ? 'setopt nounset ksh_arrays sh_word_split; ' : 'set -u; ';
    const args = name === 'bash' ? ['--norc', '-i', '-c'] : ['-i', '-c'];
    const r = await runShell(
      shell,
      [...args, `${opts}. "$LIB"; mam_root; mam_run no-such-command 2>/dev/null; echo "after $?"`],
      { cwd: trees.mamBeatsGit, env: env({ MAM_BIN: CLI }), stdin: 'ignore' },
    );
    expect(r.stdout).toBe(`${join(tmp, 'mam-far')}\nafter 2`);
  });

  it('mam_die prints to stderr and exits with the code', async () => {
    const r = await sourced('mam_die 3 "create.sh: no workspace"; echo not reached', trees.bare);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toBe('create.sh: no workspace');
    expect(r.stdout).toBe('');
  });

  it('mam_find_arg skips option values and stops at --', async () => {
    const r = await sourced(
      [
        "t() { mam_find_arg '-h --help' '--prompt --reason' \"$@\" || echo no; }",
        't --agent x --help; t --prompt -h; t --reason --help x; t -- -h; t --prompt=-h; t -h',
        'o() { mam_find_arg operand \'--state\' "$@" || echo none; }',
        'o --state running --json; o --json j1; o j3 --json; o -- j2',
      ].join('\n'),
      trees.bare,
    );
    expect(r.stdout.split('\n')).toEqual(['--help', 'no', 'no', 'no', 'no', '-h', 'none', 'j1', 'j3', 'none']);
  });

  it('mam_check_usage: -h/--help prints the usage and exits 0; too few arguments exit 2', async () => {
    const check = (args: string) =>
      sourced(`mam_check_usage 'usage: x.sh <job>' '--reason' 1 ${args}; echo went on`, trees.bare);
    expect(await check('--reason x --help')).toMatchObject({ exitCode: 0, stdout: 'usage: x.sh <job>', stderr: '' });
    expect(await check('')).toMatchObject({ exitCode: 2, stdout: '', stderr: 'usage: x.sh <job>' });
    expect(await check('j1 --reason -h')).toMatchObject({ exitCode: 0, stdout: 'went on' });
  });
});
