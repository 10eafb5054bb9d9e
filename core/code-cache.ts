import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname } from 'node:path';
import vm from 'node:vm';

/**
 * Runs a CommonJS file as require() would, but through V8's code cache kept
 * in `cacheFile`. Node 20 compiles a program's code anew at every start and
 * keeps nothing (module compile caches came with node 22), which a
 * short-lived command such as `mam emit` paid for at every run. The cache is
 * written when the process exits successfully without having had one, so it
 * holds every function the run compiled, not only the top level. V8 rejects a
 * cache that does not match the file, the node binary or its flags (or is
 * damaged): the code is then compiled as usual and the cache written anew. A
 * cache that cannot be written (a read-only install) is simply not kept.
 */
export function runCached(file: string, cacheFile: string): unknown {
  let cached: Buffer | undefined;
  try {
    cached = readFileSync(cacheFile);
  } catch {
    // not written yet since the build
  }
  const script = new vm.Script(Module.wrap(readFileSync(file, 'utf8').replace(/^#!.*/, '')), {
    filename: file,
    cachedData: cached,
  });
  if (!cached || script.cachedDataRejected) {
    process.on('exit', (code) => {
      if (code !== 0) return;
      try {
        mkdirSync(dirname(cacheFile), { recursive: true });
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cacheFile); // whole or not at all, whoever else writes it meanwhile
      } catch {
        // not kept: the next run compiles, as node does
      }
    });
  }
  const module = { exports: {} as unknown };
  (script.runInThisContext() as (...args: unknown[]) => void).call(
    module.exports,
    module.exports,
    createRequire(file),
    module,
    file,
    dirname(file),
  );
  return module.exports;
}
