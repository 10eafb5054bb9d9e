import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { execa } from 'execa';
import { connectAs } from '../../broker/connect-role.js';
import { loadContext, type Context } from '../../core/context.js';
import { findRoot, workspaceAt } from '../../core/workspace.js';
import { parseFlags } from '../args.js';
import { isolationCheck } from './doctor-isolation.js';
import type { Io } from '../io.js';
import { agentChecks } from './doctor-agents.js';

interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

const require = createRequire(import.meta.url);

function nodeCheck(): Check {
  const [maj, min] = process.versions.node.split('.').map(Number);
  const ok = maj > 20 || (maj === 20 && min >= 10);
  return {
    name: 'node',
    status: ok ? 'ok' : 'fail',
    detail: `Node ${process.versions.node}`,
    fix: ok ? undefined : 'install Node 20.10 or newer',
  };
}

function nativeCheck(mod: string, probe: (m: any) => void): Check {
  try {
    probe(require(mod));
    return { name: mod, status: 'ok', detail: 'native module loads' };
  } catch (err) {
    return {
      name: mod,
      status: 'fail',
      detail: (err as Error).message.split('\n')[0],
      fix: `rebuild it for this Node: npm rebuild ${mod}`,
    };
  }
}

async function tmuxCheck(): Promise<Check> {
  try {
    const { stdout } = await execa('tmux', ['-V']);
    return { name: 'tmux', status: 'ok', detail: stdout.trim() };
  } catch {
    return {
      name: 'tmux',
      status: 'warn',
      detail: 'tmux not found: sessions will use node-pty (not attachable with tmux attach)',
      fix: 'install tmux (apt-get install tmux / brew install tmux)',
    };
  }
}

function certChecks(ctx: Context): Check[] {
  const out: Check[] = [];
  const ca = new X509Certificate(readFileSync(ctx.ws.caCert));
  for (const [name, file] of [
    ['ca certificate', ctx.ws.caCert],
    ['server certificate', ctx.ws.serverCert],
  ] as const) {
    try {
      const cert = new X509Certificate(readFileSync(file));
      const left = (new Date(cert.validTo).getTime() - Date.now()) / 86_400_000;
      const chained = cert.verify(ca.publicKey);
      if (!chained)
        out.push({
          name,
          status: 'fail',
          detail: 'not signed by the workspace CA',
          fix: 'run `mam init --force` to regenerate the CA and certificate',
        });
      else if (left < 0)
        out.push({ name, status: 'fail', detail: `expired ${cert.validTo}`, fix: 'run `mam init --force`' });
      else if (left < 30)
        out.push({
          name,
          status: 'warn',
          detail: `expires in ${Math.floor(left)} days`,
          fix: 'run `mam init --force` soon',
        });
      else
        out.push({
          name,
          status: 'ok',
          detail: `valid until ${cert.validTo}${name.startsWith('server') ? `; ${cert.subjectAltName}` : ''}`,
        });
    } catch (err) {
      out.push({ name, status: 'fail', detail: (err as Error).message, fix: 'run `mam init --force`' });
    }
  }
  return out;
}

function permissionChecks(ctx: Context): Check[] {
  const ws = ctx.ws;
  const wrong: string[] = [];
  for (const f of [ws.keys, ws.credentials, ws.caKey, ws.serverKey, ws.config]) {
    if ((statSync(f).mode & 0o077) !== 0) wrong.push(f);
  }
  for (const d of [ws.dir, ws.tlsDir, ws.jobsDir]) {
    if ((statSync(d).mode & 0o077) !== 0) wrong.push(d + '/');
  }
  return [
    wrong.length
      ? {
          name: 'permissions',
          status: 'fail',
          detail: `readable by others: ${wrong.join(', ')}`,
          fix: `chmod 600 the files and 700 the folders: chmod -R go-rwx ${ws.dir}`,
        }
      : { name: 'permissions', status: 'ok', detail: 'secrets 0600, folders 0700' },
  ];
}

async function brokerCheck(ctx: Context): Promise<Check> {
  try {
    const c = await connectAs(ctx, 'reader', { connectTimeoutMs: 3000 });
    await c.close();
    return { name: 'broker', status: 'ok', detail: `reached ${ctx.endpoint.url} with the workspace credentials` };
  } catch (err) {
    return {
      name: 'broker',
      status: 'fail',
      detail: (err as Error).message,
      fix: 'start it with `mam up` (or `mam broker`); for an external broker check broker.url and its password file',
    };
  }
}

export async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags('doctor', argv, { json: { type: 'boolean' } }, false);
  const checks: Check[] = [
    { name: 'platform', status: 'ok', detail: `${process.platform} (POSIX file locks available)` },
    nodeCheck(),
    nativeCheck('better-sqlite3', (D) => new D(':memory:').close()),
    nativeCheck('node-pty', (p) => void p.spawn),
    await tmuxCheck(),
  ];
  let ctx: Context | undefined;
  try {
    ctx = loadContext(io.cwd, io.env);
    checks.push({
      name: 'workspace',
      status: 'ok',
      detail: `${ctx.ws.dir} (namespace ${ctx.cfg.namespace}, host ${ctx.cfg.host})`,
    });
  } catch (err) {
    const root = workspaceAt(findRoot(io.cwd, io.env)).dir;
    checks.push({
      name: 'workspace',
      status: 'fail',
      detail: `${root}: ${(err as Error).message}`,
      fix: (err as { hint?: string }).hint ?? 'run `mam init`',
    });
  }
  if (ctx)
    checks.push(
      ...certChecks(ctx),
      ...permissionChecks(ctx),
      await brokerCheck(ctx),
      await isolationCheck(ctx),
      ...(await agentChecks(ctx)),
    );
  if (ctx) checks.push((await import('./doctor-registry.js')).registryCheck(ctx));
  const failed = checks.filter((c) => c.status === 'fail').length;
  if (values.json) io.out(JSON.stringify({ ok: failed === 0, checks }) + '\n');
  else {
    for (const c of checks) {
      io.out(
        `${c.status === 'ok' ? ' ok ' : c.status === 'warn' ? 'warn' : 'FAIL'}  ${c.name.padEnd(18)} ${c.detail}\n`,
      );
      if (c.fix && c.status !== 'ok') io.out(`      fix: ${c.fix}\n`);
    }
    io.out(failed ? `${failed} check(s) failed\n` : 'all checks passed\n');
  }
  return failed ? 1 : 0;
}
