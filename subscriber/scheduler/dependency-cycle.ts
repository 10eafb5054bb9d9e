/**
 * The path by which a new job `job` waiting for `after` would wait for itself, or undefined.
 * `afterOf` gives an existing job's own dependencies (undefined: unknown here). Jobs are created
 * one at a time with dependencies on existing jobs, so a cycle can only close through a job that
 * named this one before it existed: the CLI refuses it, and so does every reconciler.
 */
export function dependencyCycle(
  job: string,
  after: readonly string[],
  afterOf: (id: string) => readonly string[] | undefined,
): string[] | undefined {
  const seen = new Set<string>();
  const walk = (id: string, path: string[]): string[] | undefined => {
    if (id === job) return [job, ...path];
    if (seen.has(id)) return undefined;
    seen.add(id);
    for (const d of afterOf(id) ?? []) {
      const found = walk(d, [...path, d]);
      if (found) return found;
    }
    return undefined;
  };
  for (const d of after) {
    const found = walk(d, [d]);
    if (found) return found;
  }
  return undefined;
}

/** A job row's own dependencies, read from its signed create (the spec). */
export function afterOfSpec(spec: string | undefined): string[] | undefined {
  if (spec === undefined) return undefined;
  return (JSON.parse(spec) as { after?: string[] }).after ?? [];
}
