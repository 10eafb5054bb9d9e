import type { Registry } from '../registry/registry.js';
import type { Pending } from './verify.js';

export interface AcknowledgeDeps {
  reg: Registry;
  /** sends the held PUBACKs of these messages (subscriber/deferred-pubacks.ts) */
  release(items: Pending[]): void;
  /** whether the registry file was deleted or replaced (registry-watch.ts) */
  registryLost(): boolean;
}

/**
 * Releases a committed batch's PUBACKs once the commit is on disk. Resolves
 * false, acknowledging nothing, when the registry was lost meanwhile: the
 * batch goes no further.
 */
export function createAcknowledger(d: AcknowledgeDeps) {
  return async (items: Pending[]): Promise<boolean> => {
    // Nothing is acknowledged, published or acted on before the commit is on disk.
    await d.reg.synced();
    // ... on the disk the registry is on: a commit to a deleted file is lost, so its messages stay the broker's.
    if (d.registryLost()) return false;
    d.release(items);
    return true;
  };
}
