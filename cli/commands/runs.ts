import { loadContext } from '../../core/context.js';
import { parseFlags } from '../args.js';
import type { Io } from '../io.js';
import { readRegistryIfAny } from '../open-registry.js';
import { describeRun } from '../run-show.js';

const when = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** `mam runs [--json]`: this host's workflow runs, newest first, with how many steps are done. */
export async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags('runs', argv, { json: { type: 'boolean' } });
  const ctx = loadContext(io.cwd, io.env);
  const rows = readRegistryIfAny(ctx, [], (reg) =>
    reg.listRuns().map((r) => {
      const { steps } = describeRun(reg, r);
      const items = steps.flatMap((s) => s.items);
      const { workflow: _w, ...rest } = r;
      return { ...rest, steps: items.length, done: items.filter((i) => i.state === 'done').length };
    }),
  );
  if (values.json) {
    io.out(`${JSON.stringify(rows)}\n`);
    return 0;
  }
  if (rows.length === 0) {
    io.out('no runs (`mam run <workflow file>` starts one)\n');
    return 0;
  }
  io.out('RUN                       STATE     STEPS     STARTED               FILE\n');
  for (const r of rows)
    io.out(
      `${r.id.padEnd(25)} ${r.state.padEnd(9)} ${`${r.done}/${r.steps}`.padEnd(9)} ${when(r.created_at).padEnd(21)} ${r.file}${r.reason ? `  (${r.reason})` : ''}\n`,
    );
  return 0;
}
