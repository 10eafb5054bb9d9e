import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MamError } from '../../core/errors.js';
import { writeSecretFile } from '../../core/secret-file.js';

/** Which file a path named when it was opened: a deleted or replaced file has another (or none). */
export interface FileIdentity {
  dev: number;
  ino: number;
}

export function fileIdentity(path: string): FileIdentity | undefined {
  try {
    const st = statSync(path);
    return { dev: st.dev, ino: st.ino };
  } catch {
    return undefined;
  }
}

/** What became of the registry file opened as `opened`: undefined while the path still names it. */
export function registryChange(path: string, opened: FileIdentity): 'deleted' | 'replaced' | undefined {
  const now = fileIdentity(path);
  if (!now) return 'deleted';
  return now.dev !== opened.dev || now.ino !== opened.ino ? 'replaced' : undefined;
}

export function registryGone(path: string, change: 'deleted' | 'replaced'): MamError {
  return new MamError(
    'REGISTRY_REPLACED',
    `the job registry ${path} was ${change} while the reconciler ran; it stopped taking messages (nothing more was acknowledged: the broker keeps them) and exits`,
    {
      hint: `put the registry back (${path} with its -wal, from a backup or wherever it went) and run \`mam up\`; starting on an empty registry instead forgets every job, and their live sessions reappear as orphan-*`,
    },
  );
}

/** The registry file a reconciler has open, recorded in run/ for `mam doctor`. */
export interface RegistryRecord extends FileIdentity {
  pid: number;
  path: string;
}

const recordFile = (runDir: string) => join(runDir, 'registry.json');

export function recordRegistry(runDir: string, path: string, id: FileIdentity): void {
  writeSecretFile(recordFile(runDir), JSON.stringify({ pid: process.pid, path, ...id } satisfies RegistryRecord));
}

export function readRegistryRecord(runDir: string): RegistryRecord | undefined {
  try {
    return JSON.parse(readFileSync(recordFile(runDir), 'utf8')) as RegistryRecord;
  } catch {
    return undefined;
  }
}
