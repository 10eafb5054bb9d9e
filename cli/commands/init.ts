import { createServer, type AddressInfo } from 'node:net';
import { initWorkspace } from '../../core/init-workspace.js';
import { findRoot } from '../../core/workspace.js';
import { parseFlags, usage } from '../args.js';
import type { Io } from '../io.js';

/** --port <n>, or `auto`: a port free on this machine now, found by binding port 0. */
async function choosePort(value: string | undefined): Promise<number | undefined> {
  if (value === undefined) return undefined;
  if (value === 'auto') {
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    return port;
  }
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535)
    throw usage('init', `--port must be a port number 1-65535 or \`auto\`, got "${value}"`);
  return n;
}

export async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(
    'init',
    argv,
    {
      namespace: { type: 'string' },
      host: { type: 'string' },
      san: { type: 'string', multiple: true },
      force: { type: 'boolean' },
      port: { type: 'string' },
      json: { type: 'boolean' },
    },
    false,
  );
  if (values.namespace !== undefined && !/^[a-z0-9][a-z0-9_-]{0,31}$/.test(values.namespace)) {
    throw usage(
      'init',
      `invalid --namespace "${values.namespace}": 1-32 of a-z, 0-9, '-' and '_', starting with a letter or digit`,
    );
  }
  const port = await choosePort(values.port);
  const root = findRoot(io.cwd, io.env);
  const r = await initWorkspace({
    root,
    namespace: values.namespace,
    host: values.host,
    sans: values.san,
    force: values.force,
    port,
  });
  if (values.json) {
    io.out(
      JSON.stringify({
        root,
        dir: r.ws.dir,
        created: r.created,
        kept: r.kept,
        changed: r.changed,
        forced: !!values.force,
        port: port ?? null,
      }) + '\n',
    );
    return 0;
  }
  io.out(`workspace: ${r.ws.dir}\n`);
  if (values.force && r.created.length) {
    io.out(`--force: regenerated ${r.created.join(', ')}; running daemons and agent sessions must be restarted\n`);
  } else if (r.created.length) {
    io.out(`created: ${r.created.join(', ')}\n`);
  }
  if (r.kept.length)
    io.out(
      `kept (already present): ${r.kept.join(', ')}${values.force ? ' (--force never resets config.json: delete it to start again from .mam.example)' : ''}\n`,
    );
  if (r.changed.length) io.out(`config.json: ${r.changed.join(', ')}\n`);
  io.out('next: `mam up` starts the broker and the reconciler; `mam doctor` checks the setup\n');
  return 0;
}
