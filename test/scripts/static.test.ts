import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeShells, runShell, SCRIPTS_DIR, shellPath, WRAPPERS } from './shells.js';

/** Constructs that break under dash, zsh or macOS /bin/sh (FW-P1), each with a line that must trip it. */
const RULES: Array<{ name: string; re: RegExp; sample: string }> = [
  { name: '[[ test', re: /\[\[/, sample: 'if [[ -n $x ]]; then :; fi' },
  { name: '== comparison', re: /==/, sample: '[ "$a" == b ]' },
  { name: '=~ match', re: /\s=~\s/, sample: '[ $x =~ ^a ]' },
  { name: 'function keyword', re: /\bfunction\s+\w/, sample: 'function f { :; }' },
  { name: "$'...' quoting", re: /\$'/, sample: "nl=$'\\n'" },
  { name: 'array assignment', re: /\b\w+=\(/, sample: 'args=(a b)' },
  { name: 'array subscript', re: /\$\{#?\w+\[/, sample: 'echo "${args[@]}"' },
  { name: 'local', re: /(^|[\s;&|(])local\s/, sample: '  local x=1' },
  { name: 'declare/typeset', re: /\b(declare|typeset)\s/, sample: 'declare -a x' },
  { name: 'let', re: /(^|[\s;&|])let\s/, sample: 'let n=n+1' },
  { name: '(( )) arithmetic command', re: /(^|[^$])\(\(/, sample: '((n++))' },
  { name: 'source builtin', re: /(^|[\s;&|])source\s/, sample: 'source ./lib.sh' },
  { name: 'here-string', re: /<<</, sample: 'read x <<< "$y"' },
  { name: '&> redirection', re: /&>/, sample: 'cmd &>/dev/null' },
  { name: 'echo -e/-n', re: /\becho\s+-[en]\b/, sample: 'echo -n hi' },
  { name: '${var/…} substitution', re: /\$\{\w+\//, sample: 'echo "${x//a/b}"' },
  { name: '${var:offset}', re: /\$\{\w+:\s*-?\d/, sample: 'echo "${x:1}"' },
  { name: '$RANDOM', re: /\$\{?RANDOM\b/, sample: 'n=$RANDOM' },
  { name: 'pushd/popd', re: /\b(pushd|popd)\b/, sample: 'pushd /tmp' },
  { name: 'mapfile/readarray', re: /\b(mapfile|readarray)\b/, sample: 'mapfile -t lines' },
  { name: 'BASH_SOURCE (FW-P5)', re: /BASH_SOURCE/, sample: 'here=${BASH_SOURCE%/*}' },
  {
    name: 'shell-specific variables',
    re: /\$\{?(BASH_\w+|ZSH_\w+|PIPESTATUS|FUNCNAME)\b/,
    sample: 'echo "${PIPESTATUS}"',
  },
  { name: 'readlink -f', re: /\breadlink\s+-\w*f/, sample: 'd=$(readlink -f "$0")' },
  { name: 'realpath', re: /\brealpath\b/, sample: 'd=$(realpath "$0")' },
  { name: 'sed -i', re: /\bsed\b[^|;]*\s-\w*i\b/, sample: "sed -i 's/a/b/' f" },
  { name: 'grep -P', re: /\bgrep\b[^|;]*\s-\w*P/, sample: "grep -qP '\\d' f" },
  { name: 'stat -c', re: /\bstat\s+-c/, sample: 'stat -c %s f' },
  { name: 'df --output', re: /\bdf\b[^|;]*--output/, sample: 'df --output=avail .' },
  { name: 'date -d', re: /\bdate\s+-d/, sample: "date -d '1 day ago'" },
  { name: 'xargs -r', re: /\bxargs\s+-\w*r/, sample: 'xargs -r rm' },
];

/** Code lines only: comments may name what the code avoids. */
function codeLines(text: string): Array<{ n: number; line: string }> {
  return text
    .split('\n')
    .map((line, i) => ({ n: i + 1, line }))
    .filter(({ line }) => line.trim() && !/^\s*#/.test(line));
}

function findBashisms(text: string): string[] {
  return codeLines(text).flatMap(({ n, line }) =>
    RULES.filter((r) => r.re.test(line)).map((r) => `line ${n}: ${r.name}: ${line.trim()}`),
  );
}

const SCRIPTS = readdirSync(SCRIPTS_DIR)
  .filter((f) => f.endsWith('.sh'))
  .sort();

describe('scripts/: static checks', () => {
  it('holds lib.sh and the four wrappers', () => {
    expect(SCRIPTS).toEqual(['create.sh', 'lib.sh', 'resume.sh', 'status.sh', 'stop.sh']);
  });

  it('the bashism check trips on every sample and on none of the POSIX forms the scripts use', () => {
    for (const r of RULES) expect(findBashisms(r.sample), r.name).toContain(`line 1: ${r.name}: ${r.sample.trim()}`);
    const posix = [
      'x=${0%/*}',
      'n=$((n + 1))',
      'printf "%s\\n" "$x" >&2',
      'cmd >/dev/null 2>&1',
      '[ "$a" = b ] && [ "$n" -eq 75 ]',
      'd=${x:-/}',
      '. "$dir/lib.sh"',
      'case $a in --) ;; esac',
    ];
    expect(findBashisms(posix.join('\n'))).toEqual([]);
  });

  for (const file of SCRIPTS) {
    it(`${file} uses no bashisms and no GNU-only flags`, () => {
      expect(findBashisms(readFileSync(join(SCRIPTS_DIR, file), 'utf8'))).toEqual([]);
    });
  }

  for (const file of WRAPPERS) {
    it(`${file} is an executable #!/bin/sh script`, () => {
      expect(readFileSync(join(SCRIPTS_DIR, file), 'utf8').split('\n')[0]).toBe('#!/bin/sh');
      accessSync(join(SCRIPTS_DIR, file), constants.X_OK);
    });
  }

  it.skipIf(!shellPath('sh'))('every script parses under sh -n', async () => {
    for (const file of SCRIPTS) {
      const r = await runShell('sh', ['-n', join(SCRIPTS_DIR, file)], { env: process.env });
      expect(r.exitCode, `${file}: ${r.stderr}`).toBe(0);
    }
  });
});

describeShells('scripts/: syntax', (shell, name) => {
  // bash in POSIX mode refuses some bash-only syntax that plain bash accepts.
  const flags = name === 'bash' ? ['--posix', '-n'] : ['-n'];
  for (const file of SCRIPTS) {
    it(`${file} parses under ${name} ${flags.join(' ')}`, async () => {
      const r = await runShell(shell, [...flags, join(SCRIPTS_DIR, file)], { env: process.env });
      expect(r.exitCode, String(r.stderr)).toBe(0);
      expect(String(r.stderr)).toBe('');
    });
  }
});
