import { hostJobScope } from '../core/host-identity.js';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from '../core/context.js';
import { sessionLogin } from '../core/credentials.js';
import { mamEntry } from '../core/package-root.js';
import { writeSecretFile } from '../core/secret-file.js';

/**
 * The environment of a job's session: its job id, generation, per-job key
 * and a broker login bound to the job — never a master key or the workspace
 * path — and a `mam` on PATH so the agent can report with `mam emit`.
 */
export function sessionEnv(ctx: Context, job: string, gen: number, base: NodeJS.ProcessEnv): Record<string, string> {
  const jobDir = ctx.ws.jobDir(job);
  const binDir = join(jobDir, 'bin');
  mkdirSync(binDir, { recursive: true, mode: 0o700 });
  const shim = join(binDir, 'mam');
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${mamEntry()}" "$@"\n`, { mode: 0o700 });
  chmodSync(shim, 0o700);
  const login = sessionLogin(ctx.creds, job, ctx.cfg.broker.agentLogin);
  const kid = ctx.keyring.activeKid;
  const env = programEnv(base);
  env.PATH = `${binDir}:${env.PATH}`;
  Object.assign(env, {
    MAM_JOB_ID: job,
    MAM_GEN: String(gen),
    MAM_KID: kid,
    // A joined host holds no master key: its jobs' keys are derived below its host key.
    MAM_JOB_KEY: (ctx.keyring.keyFor(kid, job) ?? ctx.keyring.keyFor(kid, hostJobScope(ctx.cfg.host, job)))!.toString(
      'base64',
    ),
    MAM_NAMESPACE: ctx.cfg.namespace,
    MAM_BROKER_URL: ctx.endpoint.url,
    MAM_BROKER_USERNAME: login.username,
    MAM_BROKER_PASSWORD: login.password,
    MAM_BROKER_CA: ctx.cfg.broker.caFile ? join(ctx.ws.root, ctx.cfg.broker.caFile) : ctx.ws.caCert,
    MAM_JOB_DIR: jobDir,
    MAM_SENDER: 'agent',
    MAM_ACK_TIMEOUT_MS: String(ctx.cfg.emit.ackTimeoutMs),
    MAM_MAX_MESSAGE_BYTES: String(ctx.cfg.events.maxMessageBytes),
  });
  return env;
}

/**
 * Only what a program needs to run (a session's agent, a quality gate), from the daemon's environment:
 * its own MAM_* settings (MAM_HOME …) never leak in.
 */
export function programEnv(base: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of ['HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TERM', 'TMPDIR', 'TZ']) {
    if (base[k]) env[k] = base[k]!;
  }
  env.TERM ??= 'xterm-256color';
  env.PATH = base.PATH ?? '/usr/local/bin:/usr/bin:/bin';
  return env;
}

/** The job's prompt as a file of its own (0600, like everything in the job folder); returns its path. */
export function writePromptFile(jobDir: string, prompt: string): string {
  const file = join(jobDir, 'prompt.txt');
  writeSecretFile(file, prompt);
  return file;
}
