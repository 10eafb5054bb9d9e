import { loadContext } from '../../core/context.js';
import { parseFlags } from '../args.js';
import { runningPid } from '../daemons.js';
import type { Io } from '../io.js';
import { recordedSessions } from '../live-sessions.js';
import { readRegistryIfAny } from '../open-registry.js';

export async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags('ps', argv, { json: { type: 'boolean' } }, false);
  const ctx = loadContext(io.cwd, io.env);
  const daemons = {
    broker: runningPid(ctx.ws, 'broker') ?? null,
    reconciler: runningPid(ctx.ws, 'reconciler') ?? null,
    dashboard: runningPid(ctx.ws, 'dashboard') ?? null,
  };
  const recorded = recordedSessions(ctx);
  const sessions = recorded.filter((s) => s.alive);
  const gone = recorded.filter((s) => !s.alive);
  // Breakers that hold launches back: open, or half-open (one probe job may launch).
  const breakers = readRegistryIfAny(ctx, [], (reg) =>
    reg.breakersOf(ctx.cfg.host).filter((b) => b.state !== 'closed'),
  ).map((b) => ({
    agent: b.agent,
    state: b.state,
    since: b.opened_at,
    reason: b.reason,
    probeJob: b.probe_job,
    reset: `mam breaker reset ${b.agent}`,
  }));
  const attach = (s: { backend: string; name: string }) =>
    s.backend === 'tmux'
      ? `tmux -L ${ctx.cfg.sessions.tmuxSocket} attach -t ${s.name}`
      : `mam job logs -f (pty: owned by the reconciler)`;
  if (values.json) {
    io.out(
      JSON.stringify({
        host: ctx.cfg.host,
        daemons,
        sessions: sessions.map((s) => ({ ...s, attach: attach(s) })),
        gone,
        breakers,
      }) + '\n',
    );
    return 0;
  }
  io.out(
    `broker     ${daemons.broker ? `running (pid ${daemons.broker})` : ctx.cfg.broker.url ? `external ${ctx.cfg.broker.url}` : 'stopped'}\n`,
  );
  io.out(`reconciler ${daemons.reconciler ? `running (pid ${daemons.reconciler})` : 'stopped'}\n`);
  io.out(
    `dashboard  ${daemons.dashboard ? `running (pid ${daemons.dashboard}; \`mam dashboard --url\` to log in)` : 'stopped'}\n`,
  );
  if (!sessions.length) io.out('no live sessions\n');
  for (const s of sessions)
    io.out(
      `${s.job.padEnd(22)} gen ${s.gen} ${s.state.padEnd(9)} ${s.backend.padEnd(4)} ${s.name} pid ${s.pid ?? '-'}\n    attach: ${attach(s)}\n`,
    );
  if (gone.length) {
    const who = daemons.reconciler
      ? "the reconciler's next sweep marks their jobs lost"
      : 'the reconciler marks their jobs lost once it runs (`mam up`)';
    io.out(`gone (recorded live, process no longer exists; ${who}):\n`);
    for (const s of gone)
      io.out(
        `${s.job.padEnd(22)} gen ${s.gen} ${s.state.padEnd(9)} ${s.backend.padEnd(4)} ${s.name} pid ${s.pid ?? '-'}\n`,
      );
  }
  for (const b of breakers) {
    const probe =
      b.state === 'half-open'
        ? b.probeJob
          ? `, probe job ${b.probeJob} runs`
          : ', the next job launches as its probe'
        : '';
    io.out(`breaker ${b.agent} ${b.state}${probe}: ${b.reason ?? ''}\n    reset: ${b.reset}\n`);
  }
  return 0;
}
