import { spawnSync } from 'node:child_process';
import { loadContext } from '../../core/context.js';
import { MamError } from '../../core/errors.js';
import { assertId } from '../../core/topics.js';
import { parseFlags, usage } from '../args.js';
import type { Io } from '../io.js';
import { noSuchJob, openRegistryReadOnly } from '../open-registry.js';

export async function run(argv: string[], io: Io): Promise<number> {
  const { positionals } = parseFlags('job', argv, {});
  if (positionals.length !== 1) throw usage('job', 'say which job: `mam job attach <id>`');
  const job = assertId(positionals[0], 'job id');
  const ctx = loadContext(io.cwd, io.env);
  const reg = openRegistryReadOnly(io);
  const row = reg.getJob(job);
  const session = row && reg.getSession(job, row.gen);
  reg.close();
  if (!row) throw noSuchJob(job);
  if (!session || session.ended_at)
    throw new MamError('SESSION', `job ${job} has no live session`, {
      hint: '`mam job show` tells how it ended; `mam job logs` shows its output',
    });
  if (session.backend !== 'tmux') {
    throw new MamError('SESSION', `job ${job} runs in a pty owned by the reconciler; it cannot be attached`, {
      hint: `follow it with \`mam job logs -f ${job}\``,
    });
  }
  // Plain tmux: what a person would type, so detaching (C-b d) leaves the agent running.
  const r = spawnSync('tmux', ['-L', ctx.cfg.sessions.tmuxSocket, 'attach-session', '-t', `=${session.name}`], {
    stdio: 'inherit',
  });
  return r.status ?? 1;
}
