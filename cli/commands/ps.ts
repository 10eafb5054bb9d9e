import { existsSync } from 'node:fs';
import { loadContext } from '../../core/context.js';
import { openRegistry } from '../../subscriber/registry/registry.js';
import { parseFlags } from '../args.js';
import { runningPid } from '../daemons.js';
import type { Io } from '../io.js';

export async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags('ps', argv, { json: { type: 'boolean' } }, false);
  const ctx = loadContext(io.cwd, io.env);
  const daemons = { broker: runningPid(ctx.ws, 'broker') ?? null, reconciler: runningPid(ctx.ws, 'reconciler') ?? null };
  let sessions: Array<{ job: string; gen: number; backend: string; name: string; pid: number | null; state: string }> = [];
  if (existsSync(ctx.ws.db)) {
    const reg = openRegistry(ctx.ws.db, { readonly: true });
    sessions = reg.liveSessions(ctx.cfg.host).map((s) => ({ job: s.job, gen: s.gen, backend: s.backend, name: s.name, pid: s.pid, state: reg.getJob(s.job)?.state ?? '?' }));
    reg.close();
  }
  const attach = (s: { backend: string; name: string }) =>
    s.backend === 'tmux' ? `tmux -L ${ctx.cfg.sessions.tmuxSocket} attach -t ${s.name}` : `mam job logs -f (pty: owned by the reconciler)`;
  if (values.json) {
    io.out(JSON.stringify({ host: ctx.cfg.host, daemons, sessions: sessions.map((s) => ({ ...s, attach: attach(s) })) }) + '\n');
    return 0;
  }
  io.out(`broker     ${daemons.broker ? `running (pid ${daemons.broker})` : ctx.cfg.broker.url ? `external ${ctx.cfg.broker.url}` : 'stopped'}\n`);
  io.out(`reconciler ${daemons.reconciler ? `running (pid ${daemons.reconciler})` : 'stopped'}\n`);
  if (!sessions.length) io.out('no live sessions\n');
  for (const s of sessions) io.out(`${s.job.padEnd(22)} gen ${s.gen} ${s.state.padEnd(9)} ${s.backend.padEnd(4)} ${s.name} pid ${s.pid ?? '-'}\n    attach: ${attach(s)}\n`);
  return 0;
}
