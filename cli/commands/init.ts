import { initWorkspace } from '../../core/init-workspace.js';
import { findRoot } from '../../core/workspace.js';
import { parseFlags, usage } from '../args.js';
import type { Io } from '../io.js';

export async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags('init', argv, {
    namespace: { type: 'string' },
    host: { type: 'string' },
    san: { type: 'string', multiple: true },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
  }, false);
  if (values.namespace !== undefined && !/^[a-z0-9][a-z0-9_-]{0,31}$/.test(values.namespace)) {
    throw usage('init', `invalid --namespace "${values.namespace}": 1-32 of a-z, 0-9, '-' and '_', starting with a letter or digit`);
  }
  const root = findRoot(io.cwd, io.env);
  const r = await initWorkspace({ root, namespace: values.namespace, host: values.host, sans: values.san, force: values.force });
  if (values.json) {
    io.out(JSON.stringify({ root, dir: r.ws.dir, created: r.created, kept: r.kept, forced: !!values.force }) + '\n');
    return 0;
  }
  io.out(`workspace: ${r.ws.dir}\n`);
  if (values.force && r.created.length) {
    io.out(`--force: regenerated ${r.created.join(', ')}; running daemons and agent sessions must be restarted\n`);
  } else if (r.created.length) {
    io.out(`created: ${r.created.join(', ')}\n`);
  }
  if (r.kept.length) io.out(`kept (already present): ${r.kept.join(', ')}\n`);
  io.out('next: `mam up` starts the broker and the reconciler; `mam doctor` checks the setup\n');
  return 0;
}
