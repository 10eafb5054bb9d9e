// aedes-persistence-redis ships no types; only what cluster.ts uses of its documented API.
declare module 'aedes-persistence-redis' {
  import type { AedesPersistence } from 'aedes-persistence';
  function aedesPersistenceRedis(
    opts: Record<string, unknown>,
  ): AedesPersistence & { destroy(cb?: (err?: Error) => void): unknown };
  export = aedesPersistenceRedis;
}
