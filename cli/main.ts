import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT } from '../core/errors.js';
import { errorData } from '../core/logger.js';
import { packageRoot } from '../core/package-root.js';
import { HelpRequested } from './args.js';
import { COMMANDS, GLOBAL_HELP } from './commands.js';
import type { Io } from './io.js';

/** The only place that exits: commands throw typed errors, mapped here to messages and exit codes. */
async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(GLOBAL_HELP + '\n');
    return name ? EXIT.OK : EXIT.USAGE;
  }
  if (name === '--version' || name === '-v') {
    const { version } = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
    process.stdout.write(`mam ${version}\n`);
    return EXIT.OK;
  }
  if (process.platform === 'win32') {
    // FW-P2: job locks and process groups need POSIX; refusing beats running without locks.
    process.stderr.write(
      'mam: Windows is not supported (mam needs POSIX file locks and process groups)\n  hint: run mam under WSL2, Linux or macOS\n',
    );
    return EXIT.UNSUPPORTED;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    process.stderr.write(`mam: unknown command "${name}"\n  hint: run \`mam --help\` for the list of commands\n`);
    return EXIT.USAGE;
  }
  // The common `mam <command> --help` answers without loading the command.
  if (rest[0] === '--help' || rest[0] === '-h') {
    process.stdout.write(entry.help + '\n');
    return EXIT.OK;
  }
  const controller = new AbortController();
  let signals = 0;
  const longRunning = entry.longRunning?.(rest) ?? false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (!longRunning) {
      // One-shot commands die of the signal, so a calling shell script stops too
      // (a shell carries on after a child that merely exits). An emit cut short
      // loses nothing: its event is already in the job's outbox.
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.kill(process.pid, sig);
      return;
    }
    signals++;
    // A second signal, or a close that overruns its deadline, ends the process at once.
    if (signals > 1) process.exit(1);
    controller.abort(sig);
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A daemon that meets an error nobody caught logs it whole, closes within the deadline and exits
  // non-zero: carrying on in an unknown state could acknowledge what it never committed.
  let crashed = false;
  if (longRunning) {
    const onCrash = (err: unknown) => {
      process.stderr.write(
        JSON.stringify({
          t: new Date().toISOString(),
          level: 'error',
          component: 'mam',
          msg: 'uncaught error; closing',
          data: errorData(err),
        }) + '\n',
      );
      if (crashed) return;
      crashed = true;
      controller.abort(err);
      setTimeout(() => process.exit(EXIT.INTERNAL), 10_000).unref();
    };
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
  }
  const io: Io = {
    cwd: process.cwd(),
    env: process.env,
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    debug,
    signal: controller.signal,
  };
  try {
    const mod = await entry.load();
    const code =
      (await mod.run(
        rest.filter((a) => a !== '--debug'),
        io,
      )) ?? EXIT.OK;
    return crashed ? EXIT.INTERNAL : code;
  } catch (err) {
    if (err instanceof HelpRequested) {
      process.stdout.write(entry.help + '\n');
      return EXIT.OK;
    }
    const e = err as Error & { code?: string; exitCode?: number; hint?: string };
    if (e && typeof e.code === 'string' && e.code.startsWith('MAM_ERR_')) {
      process.stderr.write(`mam ${name}: ${e.message}\n`);
      if (e.hint) process.stderr.write(`  hint: ${e.hint}\n`);
      if (debug) process.stderr.write(`  code: ${e.code}\n${e.stack}\n`);
      return e.exitCode ?? EXIT.FAILURE;
    }
    process.stderr.write(`mam ${name}: internal error: ${e?.message ?? String(err)}\n`);
    process.stderr.write(debug ? `${e?.stack}\n` : '  hint: run again with --debug for details\n');
    return EXIT.INTERNAL;
  }
}

main(process.argv.slice(2)).then(
  // Exit explicitly once output is flushed: a library handle left open must never hang a script.
  (code) => {
    process.stdout.write('', () => process.exit(code));
  },
  (err) => {
    process.stderr.write(`mam: ${String(err)}\n`);
    process.exitCode = EXIT.INTERNAL;
  },
);
