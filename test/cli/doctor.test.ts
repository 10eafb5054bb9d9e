import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorkspace, runMam, startBroker, type TestWorkspace } from '../helpers/workspace.js';

interface Check {
  name: string;
  status: string;
  detail: string;
  fix?: string;
}

describe('mam doctor', () => {
  let tw: TestWorkspace;
  beforeAll(async () => {
    tw = await makeWorkspace();
  });
  afterAll(() => tw.cleanup());

  const doctor = async () => {
    const r = await runMam(tw, ['doctor', '--json']);
    return { code: r.exitCode, report: JSON.parse(String(r.stdout)) as { ok: boolean; checks: Check[] } };
  };
  const check = (checks: Check[], name: string) => checks.find((c) => c.name === name)!;

  it('fails when the broker is unreachable and says how to fix it', async () => {
    const { code, report } = await doctor();
    expect(code).toBe(1);
    expect(check(report.checks, 'broker').status).toBe('fail');
    expect(check(report.checks, 'broker').fix).toMatch(/mam up/);
    expect(check(report.checks, 'better-sqlite3').status).toBe('ok');
    expect(check(report.checks, 'node-pty').status).toBe('ok');
  });

  it('passes with a running broker, then flags a secret readable by others', async () => {
    const broker = await startBroker(tw);
    try {
      const good = await doctor();
      expect(good.report.checks.filter((c) => c.status === 'fail')).toEqual([]);
      expect(good.code).toBe(0);
      expect(check(good.report.checks, 'server certificate').detail).toMatch(/127\.0\.0\.1/);

      chmodSync(join(tw.root, '.mam', 'keys.json'), 0o644);
      const bad = await doctor();
      expect(bad.code).toBe(1);
      const perms = check(bad.report.checks, 'permissions');
      expect(perms.status).toBe('fail');
      expect(perms.detail).toContain('keys.json');
      expect(perms.fix).toMatch(/chmod/);
    } finally {
      chmodSync(join(tw.root, '.mam', 'keys.json'), 0o600);
      await broker.close();
    }
  });

  it('prints plain words and a fix line for people', async () => {
    const r = await runMam(tw, ['doctor']);
    expect(r.exitCode).toBe(1);
    expect(String(r.stdout)).toMatch(/FAIL\s+broker/);
    expect(String(r.stdout)).toMatch(/fix: /);
    expect(String(r.stderr)).not.toMatch(/at .*\.js:\d+/);
  });
});
