import { loadContext } from '../../core/context.js';
import { openWorkspace } from '../../core/workspace.js';
import { parseFlags } from '../args.js';
import { stopDaemon } from '../daemons.js';
import type { Io } from '../io.js';
import { recordedSessions } from '../live-sessions.js';

export async function down(io: Io, quiet = false) {
  const ws = openWorkspace(io.cwd, io.env);
  const dashboard = await stopDaemon(ws, 'dashboard');
  // The reconciler first: it finishes its transaction and says offline while the broker still listens.
  const reconciler = await stopDaemon(ws, 'reconciler');
  const broker = await stopDaemon(ws, 'broker');
  // tmux sessions outlive the daemons by design: say which, so nothing keeps running unnoticed.
  const leftRunning = sessionsLeft(io).map(({ job, gen, backend, name, pid }) => ({ job, gen, backend, name, pid }));
  if (!quiet) {
    io.out(`dashboard  ${dashboard}\nreconciler ${reconciler}\nbroker     ${broker}\n`);
    if (leftRunning.length) {
      io.out(
        `left running: ${leftRunning.length} agent session(s), unwatched until \`mam up\` (\`mam job stop <id>\` after it ends one):\n`,
      );
      for (const s of leftRunning) io.out(`  ${s.job} gen ${s.gen} ${s.backend} ${s.name} pid ${s.pid ?? '-'}\n`);
    } else io.out('no agent sessions left running\n');
  }
  return { dashboard, reconciler, broker, leftRunning };
}

function sessionsLeft(io: Io) {
  try {
    return recordedSessions(loadContext(io.cwd, io.env)).filter((s) => s.alive);
  } catch {
    return []; // a workspace whose config cannot be read has no sessions to report on
  }
}

export async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags('down', argv, { json: { type: 'boolean' } }, false);
  const r = await down(io, values.json);
  if (values.json) io.out(JSON.stringify(r) + '\n');
  return 0;
}
