import { openWorkspace } from '../../core/workspace.js';
import { parseFlags } from '../args.js';
import { stopDaemon } from '../daemons.js';
import type { Io } from '../io.js';

export async function down(io: Io, quiet = false) {
  const ws = openWorkspace(io.cwd, io.env);
  // The reconciler first: it finishes its transaction and says offline while the broker still listens.
  const reconciler = await stopDaemon(ws, 'reconciler');
  const broker = await stopDaemon(ws, 'broker');
  if (!quiet) io.out(`reconciler ${reconciler}\nbroker     ${broker}\n`);
  return { reconciler, broker };
}

export async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags('down', argv, { json: { type: 'boolean' } }, false);
  const r = await down(io, values.json);
  if (values.json) io.out(JSON.stringify(r) + '\n');
  return 0;
}
