/**
 * `mam doctor` names each configured agent CLI's version and whether mam was
 * checked against it: the pinned real CLI where it is installed, and a CLI
 * reporting another version.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PINNED, realCliEntry, writeCliWrapper } from '../../agents/real-clis/real-cli-env.js';
import { makeWorkspace, runMam, type TestWorkspace } from '../helpers/workspace.js';

interface Check {
  name: string;
  status: string;
  detail: string;
}

describe('mam doctor: agent CLIs', () => {
  let tw: TestWorkspace;
  beforeAll(async () => {
    tw = await makeWorkspace();
  });
  afterAll(() => tw.cleanup());

  it('reports the version of each configured CLI, and whether mam was checked against it', async () => {
    const newer = join(tw.root, 'codex-newer');
    writeFileSync(newer, '#!/bin/sh\necho "codex-cli 9.9.9"\n');
    chmodSync(newer, 0o755);
    const claude = realCliEntry('claude');
    const agents: Record<string, unknown> = { codex: { bin: newer }, gemini: { bin: join(tw.root, 'missing-gemini') } };
    if (claude) agents.claude = { bin: writeCliWrapper(join(tw.root, 'bin'), 'claude', claude) };
    tw.patchConfig({ agents });
    const r = await runMam(tw, ['doctor', '--json']);
    const checks = (JSON.parse(String(r.stdout)) as { checks: Check[] }).checks;
    const of = (name: string) => checks.find((c) => c.name === `agent ${name}`);
    expect(of('codex')).toMatchObject({
      status: 'warn',
      detail: `9.9.9; mam was checked against ${PINNED.codex!.version}`,
    });
    expect(of('gemini')?.status).toBe('warn');
    expect(of('gemini')?.detail).toMatch(/missing-gemini is not installed \(not on PATH\)/);
    if (claude)
      expect(of('claude')).toMatchObject({
        status: 'ok',
        detail: `${PINNED.claude!.version} (mam was checked against this version)`,
      });
  });
});
