import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { MamError } from './errors.js';

/** Every path inside a workspace, computed once from its root. */
export interface Workspace {
  root: string;
  dir: string;
  config: string;
  keys: string;
  credentials: string;
  tlsDir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  db: string;
  jobsDir: string;
  runDir: string;
  worktreesDir: string;
  jobDir(job: string): string;
  /**
   * The operator's seq counters and outbox for a job: inside the job's folder, so the job's files
   * stay together, but a folder of their own that the sandbox hides from the job's agent.
   */
  operatorDir(job: string): string;
}

/** The name of the operator's folder inside a job's folder (Workspace.operatorDir). */
export const OPERATOR_DIR = 'operator';

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The workspace root: MAM_HOME when set, else the first folder holding `.mam/`
 * walking up from cwd, else the first holding `.git/`, else cwd itself (FW-P6).
 */
export function findRoot(cwd: string, env: NodeJS.ProcessEnv): string {
  if (env.MAM_HOME) return resolve(cwd, env.MAM_HOME);
  for (const marker of ['.mam', '.git']) {
    let dir = resolve(cwd);
    for (;;) {
      if (isDir(join(dir, marker))) return dir;
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return resolve(cwd);
}

export function workspaceAt(root: string): Workspace {
  const dir = join(root, '.mam');
  const tlsDir = join(dir, 'tls');
  const jobsDir = join(dir, 'jobs');
  return {
    root,
    dir,
    config: join(dir, 'config.json'),
    keys: join(dir, 'keys.json'),
    credentials: join(dir, 'credentials.json'),
    tlsDir,
    caCert: join(tlsDir, 'ca.crt'),
    caKey: join(tlsDir, 'ca.key'),
    serverCert: join(tlsDir, 'server.crt'),
    serverKey: join(tlsDir, 'server.key'),
    db: join(dir, 'mam.db'),
    jobsDir,
    runDir: join(dir, 'run'),
    worktreesDir: join(dir, 'worktrees'),
    jobDir: (job: string) => join(jobsDir, job),
    operatorDir: (job: string) => join(jobsDir, job, OPERATOR_DIR),
  };
}

/** The workspace for this process; throws when `mam init` has not been run there. */
export function openWorkspace(cwd: string, env: NodeJS.ProcessEnv): Workspace {
  const ws = workspaceAt(findRoot(cwd, env));
  if (!existsSync(ws.config)) {
    throw new MamError('WORKSPACE_MISSING', `no mam workspace at ${ws.root} (no .mam/config.json)`, {
      hint: 'run `mam init` in your project root, or set MAM_HOME to a workspace root',
    });
  }
  return ws;
}
