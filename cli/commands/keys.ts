import { loadKeyFile, rotateKeyFile, saveKeyFile } from '../../core/keys.js';
import { openWorkspace } from '../../core/workspace.js';
import { MamError } from '../../core/errors.js';
import { parseFlags, usage } from '../args.js';
import type { Io } from '../io.js';

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags('keys', argv, { json: { type: 'boolean' } });
  const ws = openWorkspace(io.cwd, io.env);
  let kf = loadKeyFile(ws.keys);
  const [action, kid] = positionals;
  if (action === 'rotate') {
    kf = rotateKeyFile(kf);
    saveKeyFile(ws.keys, kf);
    if (!values.json)
      io.out(
        `new active key ${kf.active}; older keys stay accepted until \`mam keys retire <kid>\`; the running reconciler picks it up by itself.\n`,
      );
  } else if (action === 'retire') {
    if (!kid) throw usage('keys', 'say which key id: `mam keys retire <kid>` (see `mam keys list`)');
    if (!kf.keys[kid])
      throw new MamError('KEY_NOT_FOUND', `no key id "${kid}" in ${ws.keys}`, {
        hint: '`mam keys list` shows the key ids',
      });
    if (kid === kf.active) throw usage('keys', `${kid} is the active key; rotate first`);
    delete kf.keys[kid];
    saveKeyFile(ws.keys, kf);
    if (!values.json) io.out(`retired ${kid}\n`);
  } else if (action !== 'list') {
    throw usage('keys', 'say `mam keys rotate`, `mam keys list` or `mam keys retire <kid>`');
  }
  const list = Object.entries(kf.keys).map(([id, k]) => ({ kid: id, active: id === kf.active, created: k.created }));
  if (values.json) io.out(JSON.stringify({ active: kf.active, keys: list }) + '\n');
  else if (action === 'list')
    for (const k of list) io.out(`${k.kid}${k.active ? ' (active)' : ''} created ${k.created}\n`);
  return 0;
}
