import { statSync } from 'node:fs';
import type { Context } from '../../core/context.js';
import { readRegistryRecord, registryChange } from '../../subscriber/registry/registry-identity.js';
import { alive } from '../daemons.js';

/**
 * `mam doctor`'s registry check: the file a running reconciler writes must be
 * the one at .mam/mam.db (deleted or replaced, everything it commits is lost),
 * and readable by its owner only.
 */
export function registryCheck(ctx: Context): {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
} {
  const name = 'registry';
  const db = ctx.ws.db;
  const rec = readRegistryRecord(ctx.ws.runDir);
  const running = rec !== undefined && rec.path === db && alive(rec.pid) ? rec : undefined;
  const change = running ? registryChange(db, running) : undefined;
  if (running && change) {
    return {
      name,
      status: 'fail',
      detail: `${db} was ${change} while the reconciler (pid ${running.pid}) runs: what it commits goes to a file nobody can read`,
      fix: `stop it (\`mam down\`), put the registry back (${db} with its -wal), then \`mam up\`; starting on an empty registry forgets every job`,
    };
  }
  let mode: number;
  try {
    mode = statSync(db).mode & 0o777;
  } catch {
    return {
      name,
      status: 'warn',
      detail: `no registry yet at ${db}`,
      fix: '`mam up` starts the reconciler, which creates it',
    };
  }
  if (mode & 0o077)
    return {
      name,
      status: 'fail',
      detail: `${db} is readable by others (mode ${mode.toString(8)})`,
      fix: `chmod 600 ${db}*`,
    };
  return { name, status: 'ok', detail: `${db}${running ? ` (in use by the reconciler, pid ${running.pid})` : ''}` };
}
