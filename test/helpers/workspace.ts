import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type Options } from 'execa';
import { workspaceHosts } from '../../broker/host-logins.js';
import { createBroker, type RunningBroker } from '../../broker/server.js';
import { loadContext, type Context } from '../../core/context.js';
import { brokerRunFile } from '../../core/endpoint.js';
import { daemonStatsFile } from '../../core/daemon-stats.js';
import { initWorkspace } from '../../core/init-workspace.js';
import { silentLogger } from '../../core/logger.js';
import { writeSecretFile } from '../../core/secret-file.js';
import { mamEntry } from '../../core/package-root.js';
import { openRegistry, type Registry } from '../../subscriber/registry/registry.js';

export const MAM_BIN = mamEntry();

export interface TestWorkspace {
  root: string;
  /** environment for child `mam` processes: MAM_HOME points here */
  env: NodeJS.ProcessEnv;
  context(): Context;
  /** merges a partial config into .mam/config.json */
  patchConfig(patch: Record<string, unknown>): void;
  cleanup(): void;
}

/** A fresh workspace in a temp folder, made by the real `initWorkspace`. */
export async function makeWorkspace(opts: { namespace?: string } = {}): Promise<TestWorkspace> {
  const root = mkdtempSync(join(tmpdir(), 'mam-test-'));
  await initWorkspace({ root, namespace: opts.namespace ?? 'test', host: 'testhost' });
  const env = { ...process.env, MAM_HOME: root };
  for (const k of Object.keys(env)) if (k.startsWith('MAM_') && k !== 'MAM_HOME') delete env[k];
  return {
    root,
    env,
    context: () => loadContext(root, env),
    patchConfig(patch) {
      const file = join(root, '.mam', 'config.json');
      const cfg = JSON.parse(readFileSync(file, 'utf8'));
      for (const [k, v] of Object.entries(patch))
        cfg[k] = v && typeof v === 'object' && !Array.isArray(v) ? { ...cfg[k], ...v } : v;
      writeFileSync(file, JSON.stringify(cfg, null, 2));
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** The real embedded broker over TLS on port 0, recorded where clients of the workspace look for it. */
export async function startBroker(
  tw: TestWorkspace,
  opts: { plaintextPort?: number; port?: number } = {},
): Promise<RunningBroker & { url: string }> {
  const ctx = tw.context();
  const b = await createBroker({
    ns: ctx.cfg.namespace,
    credentials: ctx.creds,
    tls: { cert: readFileSync(ctx.ws.serverCert), key: readFileSync(ctx.ws.serverKey) },
    bind: '127.0.0.1',
    port: opts.port ?? 0,
    plaintextPort: opts.plaintextPort,
    maxPacketBytes: ctx.cfg.broker.maxPacketBytes,
    maxTopicLevels: ctx.cfg.broker.maxTopicLevels,
    agentLogin: ctx.cfg.broker.agentLogin,
    logger: silentLogger,
    hosts: workspaceHosts(ctx, silentLogger),
    statsFile: daemonStatsFile(ctx.ws.runDir, 'broker'),
  });
  const url = `mqtts://127.0.0.1:${b.port}`;
  writeSecretFile(brokerRunFile(ctx.ws), JSON.stringify({ url, pid: process.pid, port: b.port }));
  return { ...b, url };
}

/** Runs the compiled CLI as its own process; never throws on a non-zero exit. */
export function runMam(tw: TestWorkspace, args: string[], opts: Options = {}) {
  return execa(process.execPath, [MAM_BIN, ...args], {
    cwd: tw.root,
    env: tw.env,
    reject: false,
    extendEnv: false,
    timeout: 60_000,
    ...opts,
  });
}

/** Runs `fn` on the registry opened read-only, as the CLI opens it, and closes it again. */
export function readRegistry<T>(db: string, fn: (reg: Registry) => T): T {
  const reg = openRegistry(db, { readonly: true });
  try {
    return fn(reg);
  } finally {
    reg.close();
  }
}
