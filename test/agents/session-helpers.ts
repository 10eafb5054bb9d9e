/**
 * Scripts and probes the backend suites share: small sh programs with known
 * behaviour, and a way to see which processes of a group are still running.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultClientEnv } from '../../agents/backends/tmux-command.js';

export const SCRIPTS = {
  /** Echoes each line back, tags bracketed pastes, quits on "quit"; `brackets` turns on bracketed paste. */
  echo: `
[ "$1" = brackets ] && printf '\\033[?2004h'
printf 'ready cwd=%s var=%s\\n' "$(pwd)" "$MAM_TEST_VAR"
esc=$(printf '\\033')
while IFS= read -r line; do
  [ "$line" = quit ] && { echo bye; exit 0; }
  case "$line" in *"$esc[200~"*) echo "tag:bracketed" ;; esac
  printf 'echo:%s\\n' "$line"
done
`,
  /** Ignores C-c but dies on SIGTERM. */
  polite: `trap '' INT; echo polite; while :; do sleep 1; done\n`,
  /** Ignores everything it can; only SIGKILL ends it and its sleep children. */
  stubborn: `trap '' TERM INT HUP; echo stubborn; while :; do sleep 1; done\n`,
  /** Prints its arguments and environment probes, then waits. */
  show: `printf 'arg:[%s]\\n' "$@"; printf 'leak=%s\\n' "\${MAM_TEST_LEAK:-none}"; printf 'var=[%s]\\n' "$MAM_TEST_VAR"; pwd; exec sleep 1000\n`,
} as const;

export type ScriptName = keyof typeof SCRIPTS;

/** Writes the scripts into a fresh temp dir and returns it. */
export function writeScripts(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mam-backend-'));
  for (const [name, body] of Object.entries(SCRIPTS))
    writeFileSync(join(dir, `${name}.sh`), `#!/bin/sh\n${body}`, { mode: 0o755 });
  return dir;
}

/** Pids of running (not zombie) processes whose process group is `pgid` (Linux /proc). */
export function liveGroupMembers(pgid: number): number[] {
  if (!existsSync('/proc')) return [];
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z') members.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return members;
}

export function isRunning(pid: number): boolean {
  if (!existsSync('/proc')) {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * A `tmux` first on PATH that notes each run's arguments in `dir` and runs the
 * real one: `env` is a tmux client environment for createTmuxBackend, `calls`
 * the tmux processes started with it so far.
 */
export function countingTmux(dir: string): { env: Record<string, string>; calls(): string[] } {
  const log = join(dir, 'tmux-calls.log');
  const real = execFileSync('sh', ['-c', 'command -v tmux'], { encoding: 'utf8' }).trim();
  writeFileSync(join(dir, 'tmux'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${real}' "$@"\n`, {
    mode: 0o755,
  });
  return {
    env: { ...defaultClientEnv(), PATH: `${dir}:${process.env.PATH ?? '/usr/bin:/bin'}` },
    calls: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []),
  };
}
