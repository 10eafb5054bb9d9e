/**
 * `mam doctor`'s agent checks: for each agent CLI the workspace configures
 * (agents.<name> in config.json), the version its binary reports and whether
 * mam was checked against that version (agents/real-clis/pinned.json, the
 * versions test/agents-real drives). A newer version may draw other screens:
 * `npm run record-screens` shows which.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Context } from '../../core/context.js';
import { packageRoot } from '../../core/package-root.js';

export interface AgentCheck {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

/** The binaries the adapters start when agents.<name>.bin is not set. */
const DEFAULT_BINS: Record<string, string> = { claude: 'claude', gemini: 'gemini', codex: 'codex', hermes: 'hermes' };
const VERSION_TIMEOUT_MS = 15_000;

function checkedVersions(): Record<string, string> {
  try {
    const pinned = JSON.parse(readFileSync(join(packageRoot(), 'agents', 'real-clis', 'pinned.json'), 'utf8')) as {
      clis: Record<string, { version: string }>;
    };
    return Object.fromEntries(Object.entries(pinned.clis).map(([name, p]) => [name, p.version]));
  } catch {
    return {};
  }
}

export async function agentChecks(ctx: Context): Promise<AgentCheck[]> {
  const checked = checkedVersions();
  const out: AgentCheck[] = [];
  for (const [agent, cfg] of Object.entries(ctx.cfg.agents ?? {})) {
    const bin = cfg.bin ?? DEFAULT_BINS[agent];
    if (!bin) continue; // the generic command agent has no CLI of its own
    const name = `agent ${agent}`;
    const r = await execa(bin, [...(cfg.args ?? []), '--version'], {
      reject: false,
      timeout: VERSION_TIMEOUT_MS,
      env: { ...cfg.env, DISABLE_AUTOUPDATER: '1' },
      stdin: 'ignore',
    });
    const version = /\d+\.\d+\.\d+(?:[-.][\w.]+)?/.exec(`${r.stdout}\n${r.stderr}`)?.[0];
    if ((r as { code?: string }).code === 'ENOENT') {
      // Configured (new workspaces bind each CLI's config folder) but not installed: needed only for --agent <name>.
      out.push({
        name,
        status: 'warn',
        detail: `${bin} is not installed (not on PATH); only jobs with --agent ${agent} need it`,
        fix: `install ${agent}, or set agents.${agent}.bin in .mam/config.json`,
      });
    } else if (r.exitCode !== 0 || !version) {
      out.push({
        name,
        status: 'warn',
        detail: `${bin} --version failed: ${(r.stderr || r.shortMessage || '').split('\n')[0]}`,
        fix: `install ${agent}, or set agents.${agent}.bin in .mam/config.json`,
      });
    } else if (!checked[agent]) {
      out.push({ name, status: 'ok', detail: `${version} (mam has no pinned version of ${agent} to check against)` });
    } else if (version === checked[agent]) {
      out.push({ name, status: 'ok', detail: `${version} (mam was checked against this version)` });
    } else {
      out.push({
        name,
        status: 'warn',
        detail: `${version}; mam was checked against ${checked[agent]}`,
        fix: `its dialogs may have changed: watch the first job (\`mam job attach\`), or pin ${checked[agent]}`,
      });
    }
  }
  return out;
}
