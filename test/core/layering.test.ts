import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../core/package-root.js';

// Dependencies between the source folders go one way: core ← broker ← agents, subscriber, cli.
// Code that several folders use lives in the lowest folder of its domain, never in one of its users.
const FOLDERS = ['core', 'broker', 'agents', 'subscriber', 'cli'] as const;
type Folder = (typeof FOLDERS)[number];
const MAY_IMPORT: Array<[Folder, Folder[]]> = [
  ['core', []],
  ['broker', ['core']],
];

// Static imports and re-exports (type-only ones too), import('…'), side-effect imports, require('…').
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)(['"])(\.{1,2}\/[^'"]+)\1/g;

/** folder → folder it imports → the first file that does. */
type FolderGraph = Map<Folder, Map<Folder, string>>;

function folderImports(root: string): FolderGraph {
  const graph: FolderGraph = new Map(FOLDERS.map((f) => [f, new Map()]));
  for (const from of FOLDERS) {
    const files = readdirSync(join(root, from), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    for (const file of files) {
      const path = join(root, from, file);
      for (const [, , spec] of readFileSync(path, 'utf8').matchAll(SPECIFIER)) {
        const to = relative(root, join(dirname(path), spec!)).split(sep)[0] as Folder;
        const edges = graph.get(from)!;
        if (to !== from && FOLDERS.includes(to) && !edges.has(to)) edges.set(to, relative(root, path));
      }
    }
  }
  return graph;
}

/** The folders of one import cycle, first folder repeated at the end; empty when there is none. */
function findCycle(graph: FolderGraph): Folder[] {
  const done = new Set<Folder>();
  const visit = (f: Folder, path: Folder[]): Folder[] => {
    if (path.includes(f)) return [...path.slice(path.indexOf(f)), f];
    if (done.has(f)) return [];
    for (const to of graph.get(f)!.keys()) {
      const cycle = visit(to, [...path, f]);
      if (cycle.length) return cycle;
    }
    done.add(f);
    return [];
  };
  for (const f of FOLDERS) {
    const cycle = visit(f, []);
    if (cycle.length) return cycle;
  }
  return [];
}

describe('the source folders depend one way', () => {
  const graph = folderImports(packageRoot());

  it.each(MAY_IMPORT)('%s imports no folder above it', (from, allowed) => {
    const above = [...graph.get(from)!].filter(([to]) => !allowed.includes(to));
    expect(above.map(([to, file]) => `${from} → ${to} (${file})`)).toEqual([]);
  });

  it('no folders import each other, directly or through a third', () => {
    const cycle = findCycle(graph);
    expect(cycle.slice(1).map((to, i) => `${cycle[i]} → ${to} (${graph.get(cycle[i]!)!.get(to)})`)).toEqual([]);
  });
});
