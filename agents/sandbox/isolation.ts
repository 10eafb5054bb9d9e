/**
 * Whether agents run sandboxed: `sessions.isolation` resolved against what
 * the host can do. bubblewrap is tried once with the options every session
 * uses, since an installed bwrap may still be refused (user namespaces
 * disabled, a container without the rights).
 */
import { execFile } from 'node:child_process';
import { MamError } from '../../core/errors.js';

export type IsolationPreference = 'none' | 'bwrap' | 'auto';

export type Isolation =
  | { mode: 'none'; reason: string }
  | { mode: 'bwrap'; reason: string; bin: string; version: string };

export const ENABLE_HINT =
  'install bubblewrap (apt-get install bubblewrap / dnf install bubblewrap) and set sessions.isolation to "auto" or "bwrap"';

type Probe = { ok: true; version: string } | { ok: false; why: string };

function run(bin: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: 10_000, encoding: 'utf8' }, (err, stdout, stderr) =>
      resolve({ ok: !err, out: `${stdout}${stderr}`.trim() || String(err?.message ?? '') }),
    );
  });
}

async function probe(bin: string): Promise<Probe> {
  const version = await run(bin, ['--version']);
  if (!version.ok) return { ok: false, why: /ENOENT/.test(version.out) ? `${bin} not found on PATH` : version.out };
  const trial = await run(bin, [
    '--ro-bind',
    '/',
    '/',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--unshare-pid',
    '--cap-drop',
    'ALL',
    '--',
    '/bin/true',
  ]);
  if (!trial.ok)
    return {
      ok: false,
      why: `${version.out} is installed but cannot make a sandbox here: ${trial.out.split('\n')[0]}`,
    };
  return { ok: true, version: version.out.replace(/^bubblewrap\s*/, '') };
}

const probes = new Map<string, Promise<Probe>>();

/** Resolves the preference; 'bwrap' throws SANDBOX_UNAVAILABLE where 'auto' falls back to none. */
export async function resolveIsolation(pref: IsolationPreference, bin = 'bwrap'): Promise<Isolation> {
  if (pref === 'none') return { mode: 'none', reason: 'sessions.isolation is "none"' };
  let p = probes.get(bin);
  if (!p) {
    p = probe(bin);
    probes.set(bin, p);
    // A failure is not kept: bubblewrap may be installed while the daemon runs.
    void p.then((r) => void (r.ok || probes.delete(bin)));
  }
  const r = await p;
  if (r.ok) return { mode: 'bwrap', reason: `bubblewrap ${r.version}`, bin, version: r.version };
  if (pref === 'bwrap')
    throw new MamError('SANDBOX_UNAVAILABLE', `sessions.isolation is "bwrap", but ${r.why}`, { hint: ENABLE_HINT });
  return { mode: 'none', reason: `${r.why}; agents run unsandboxed` };
}
