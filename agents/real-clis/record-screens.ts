/**
 * `npm run record-screens [cli …]`: drives each pinned real CLI in tmux from
 * a throwaway home (dummy key, no network to the model) through its first-run
 * screens, its ready screen, a prompt and the failing model call, and saves
 * every distinct screen to test/fixtures/screens/<cli>@<version>/ with the
 * state and menu plan mam gives it in expected.json. A person reviews that
 * diff; after an upgrade, test/adapters/real-screens.test.ts then shows which
 * screens changed shape.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ADAPTER_SCREENS } from '../adapters/screens.js';
import { planDialog } from '../readiness/plan-dialog.js';
import { classifyScreen, type ScreenState } from '../readiness/screen-spec.js';
import { packageRoot } from '../../core/package-root.js';
import { PINNED, realCliEntry, realCliHome } from './real-cli-env.js';

const PROMPT = 'write hello to result.txt';
/** How long each CLI is watched after its prompt: long enough for its offline failure to show. */
const AFTER_PROMPT_MS = 15_000;
const START_MS = 60_000;
const MAX_PER_STATE = 4;

const stateName = (s: ScreenState): string =>
  s.kind === 'dialog' ? `dialog-${s.dialog.name}` : s.kind === 'blocker' ? `blocker-${s.name.split(' ')[0]}` : s.kind;

/** Ends every process whose environment carries `marker`. */
function killMarked(marker: string): void {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(marker))
        process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone, or not ours
    }
  }
}

async function record(cli: string): Promise<void> {
  const entry = realCliEntry(cli);
  if (!entry) throw new Error(`${cli} is not installed: run \`npm run install-real-clis\``);
  const spec = ADAPTER_SCREENS[cli]!;
  const out = join(packageRoot(), 'test', 'fixtures', 'screens', `${cli}@${PINNED[cli]!.version}`);
  mkdirSync(out, { recursive: true });
  const expectedFile = join(out, 'expected.json');
  const expected = existsSync(expectedFile)
    ? (JSON.parse(readFileSync(expectedFile, 'utf8')) as Record<string, unknown>)
    : {};
  const tmp = mkdtempSync(join(tmpdir(), `mam-record-${cli}-`));
  const socket = `record-${process.pid}`;
  const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  const env = realCliHome(cli, join(tmp, 'home'));
  const work = join(tmp, 'work');
  mkdirSync(work);
  // The environment mam's adapter sets, so the screens are the ones mam meets.
  const launch = cli === 'codex' ? ['-c', 'check_for_update_on_startup=false'] : [];
  const extra = { DISABLE_AUTOUPDATER: '1', ...(cli === 'gemini' ? { GEMINI_CLI_HOME: join(tmp, 'home') } : {}) };
  // Marks the recording's processes: Gemini CLI's survive `tmux kill-server` as orphans.
  const marker = `MAM_RECORDING=${tmp}`;
  const vars = Object.entries({
    ...env,
    ...extra,
    MAM_RECORDING: tmp,
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    TERM: 'xterm-256color',
  }).map(([k, v]) => `${k}=${v}`);
  try {
    tmux(
      'new-session',
      '-d',
      '-x',
      '120',
      '-y',
      '40',
      '-s',
      'rec',
      '-c',
      work,
      'env',
      '-i',
      ...vars,
      process.execPath,
      entry,
      ...launch,
    );
    const seen = new Set<string>();
    const counts = new Map<string, number>();
    let promptedAt: number | undefined;
    let readySince: number | undefined;
    let lastName = '';
    for (
      const started = Date.now();
      Date.now() - started < START_MS && (promptedAt === undefined || Date.now() - promptedAt < AFTER_PROMPT_MS);
    ) {
      let screen: string;
      try {
        screen = tmux('capture-pane', '-p', '-t', 'rec')
          .replace(/\s+$/, '')
          .replaceAll(tmp, '/tmp/mam-record')
          .replaceAll(basename(tmp), 'mam-record');
      } catch {
        break; // the CLI exited
      }
      const state = classifyScreen(screen, spec, env);
      const name = stateName(state);
      // A new state, or a dialog redrawn (its marker moved); spinner frames of one state are not kept.
      const n = (counts.get(name) ?? 0) + 1;
      if (!seen.has(screen) && (name !== lastName || state.kind === 'dialog') && n <= MAX_PER_STATE) {
        seen.add(screen);
        lastName = name;
        counts.set(name, n);
        const file = `recorded-${name}${n > 1 ? `-${n}` : ''}.txt`;
        writeFileSync(join(out, file), `${screen}\n`);
        expected[file] =
          state.kind === 'dialog'
            ? { state: name.replace('-', ':'), plan: planDialog(screen, state.dialog) }
            : { state: name.replace('-', ':') };
      }
      if (state.kind === 'dialog') {
        const plan = planDialog(screen, state.dialog);
        if (plan.kind === 'move') tmux('send-keys', '-t', 'rec', ...plan.keys);
        else if (plan.kind === 'confirm' || plan.kind === 'submit') tmux('send-keys', '-t', 'rec', 'Enter');
        if (plan.kind !== 'wait') await sleep(700);
      }
      readySince = state.kind === 'ready' ? (readySince ?? Date.now()) : undefined;
      if (promptedAt === undefined && readySince !== undefined && Date.now() - readySince > 1000) {
        tmux('send-keys', '-t', 'rec', '-l', PROMPT);
        await sleep(300);
        tmux('send-keys', '-t', 'rec', 'Enter');
        promptedAt = Date.now();
      }
      await sleep(150);
    }
    writeFileSync(
      expectedFile,
      JSON.stringify(Object.fromEntries(Object.entries(expected).sort(([a], [b]) => a.localeCompare(b))), null, 2) +
        '\n',
    );
    console.log(`${cli}: ${seen.size} screens in ${out}`);
  } finally {
    try {
      tmux('send-keys', '-t', 'rec', 'C-c', 'C-c');
      await sleep(500);
    } catch {
      // already gone
    }
    killMarked(marker);
    try {
      tmux('kill-server');
    } catch {
      // already gone with its last session
    }
    rmSync(tmp, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  }
}

const wanted = process.argv.slice(2);
for (const cli of Object.keys(PINNED)) {
  if (wanted.length === 0 || wanted.includes(cli)) await record(cli);
}
