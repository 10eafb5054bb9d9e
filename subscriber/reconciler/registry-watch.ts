import type { MamError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { registryChange, registryGone, type FileIdentity } from '../registry/registry-identity.js';

export interface RegistryWatchDeps {
  db: string;
  /** the file the reconciler opened and writes */
  opened: FileIdentity;
  log: Logger;
  /** stops taking messages: no more batches, sweeps or announcements */
  stop(): void;
  /** ends the broker connection at once, without acknowledging anything more */
  disconnect(): void;
}

/** Watches for the registry file being deleted or replaced under the reconciler. */
export function watchRegistry(d: RegistryWatchDeps) {
  /** set once the registry file is gone: nothing more is committed or acknowledged */
  let lost: MamError | undefined;
  let fail!: (err: MamError) => void;
  const failed = new Promise<MamError>((resolve) => (fail = resolve));
  return {
    /**
     * Settles only if the registry file is deleted or replaced under the reconciler: it has stopped taking messages.
     */
    failed,
    /** Whether the registry was found lost already (no new look at the file). */
    wasLost: (): boolean => lost !== undefined,
    /**
     * Whether the registry file was deleted or replaced under this process. Then
     * the reconciler stops at once: no message is taken or acknowledged any more
     * (the broker keeps them for a reconciler with a real registry), and
     * `failed` settles for the process to exit non-zero.
     */
    registryLost(): boolean {
      if (lost) return true;
      const change = registryChange(d.db, d.opened);
      if (!change) return false;
      lost = registryGone(d.db, change);
      d.stop();
      d.log.error(lost.message, lost);
      d.disconnect();
      fail(lost);
      return true;
    },
  };
}
