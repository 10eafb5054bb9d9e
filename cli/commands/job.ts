import { HelpRequested, usage } from '../args.js';
import type { Io } from '../io.js';

const SUB: Record<string, () => Promise<{ run: (argv: string[], io: Io) => Promise<number> }>> = {
  create: () => import('./job-create.js'),
  show: () => import('./job-show.js'),
  stop: () => import('./job-control.js').then((m) => ({ run: m.stop })),
  resume: () => import('./job-control.js').then((m) => ({ run: m.resume })),
  attach: () => import('./job-attach.js'),
  logs: () => import('./job-logs.js'),
};

export async function run(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h') throw new HelpRequested();
  const load = sub ? SUB[sub] : undefined;
  if (!load) throw usage('job', `say one of: ${Object.keys(SUB).join(', ')} (e.g. \`mam job show <id>\`)`);
  return (await load()).run(rest, io);
}
