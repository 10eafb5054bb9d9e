/** The wrappers' argument passing, against a stand-in for mam that records its argv and exit code. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeShells, REPO, runShell } from './shells.js';

let tmp: string;
const SLOW = 120_000;
/** Arguments that would break a wrapper that re-splits or re-expands them. */
const AWKWARD_PROMPT = `it's "quoted" $HOME * \\n -h\nsecond line`;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'mam-wrapper-argv-'));
  writeFileSync(
    join(tmp, 'fake-mam.js'),
    `require('fs').writeFileSync(process.env.FAKE_ARGV, JSON.stringify(process.argv.slice(2))); if (process.env.FAKE_OUT) process.stdout.write(process.env.FAKE_OUT); process.exit(Number(process.env.FAKE_EXIT));\n`,
  );
  writeFileSync(join(tmp, 'package.json'), '{"type":"commonjs"}\n');
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describeShells('scripts/ wrappers pass arguments through', (shell, name) => {
  const run = (script: string, args: string[], extra: Record<string, string> = {}) =>
    runShell(shell, [`scripts/${script}`, ...args], {
      cwd: REPO,
      env: { ...process.env, ZDOTDIR: tmp, ...extra } as Record<string, string>,
    });

  it(
    'each wrapper hands mam exactly its arguments and returns any exit code unchanged',
    async () => {
      const argvFile = join(tmp, `argv-${name}.json`);
      const fake = (extra: Record<string, string> = {}) => ({
        MAM_BIN: join(tmp, 'fake-mam.js'),
        FAKE_ARGV: argvFile,
        FAKE_EXIT: '42',
        ...extra,
      });
      const argv = () => JSON.parse(readFileSync(argvFile, 'utf8')) as string[];
      const cases: Array<[string, string[], string[]]> = [
        [
          'create.sh',
          ['--agent', 'command', '--prompt', '-h', '--', 'p', '--json'],
          ['job', 'create', '--json', '--agent', 'command', '--prompt', '-h', '--', 'p', '--json'],
        ],
        ['stop.sh', ['j1', '--reason', 'a  b *'], ['job', 'stop', 'j1', '--reason', 'a  b *']],
        ['resume.sh', ['j1', '--prompt', AWKWARD_PROMPT], ['job', 'resume', 'j1', '--prompt', AWKWARD_PROMPT]],
        ['status.sh', ['--state', 'running', '--json'], ['jobs', '--state', 'running', '--json']],
        ['status.sh', ['--json', 'j1'], ['job', 'show', '--json', 'j1']],
      ];
      for (const [script, args, expected] of cases) {
        const r = await run(script, args, fake());
        expect(r.exitCode, `${script}: ${r.stderr}`).toBe(42);
        expect(argv()).toEqual(expected);
      }
      const queued = await run(
        'create.sh',
        ['--agent', 'command'],
        fake({ FAKE_EXIT: '75', FAKE_OUT: '{"job":"jqueued1","host":"h","created":false,"queued":true}\n' }),
      );
      expect([queued.exitCode, queued.stdout]).toEqual([75, 'jqueued1']);
      const other = await run(
        'create.sh',
        ['--agent', 'command'],
        fake({ FAKE_EXIT: '0', FAKE_OUT: 'mam job create --agent <name> ...\n' }),
      );
      expect([other.exitCode, other.stdout]).toEqual([0, 'mam job create --agent <name> ...']);
    },
    SLOW,
  );
});
