import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../cli/commands.js';
import { EXIT } from '../../core/errors.js';
import { topics } from '../../core/topics.js';
import { jsonLines } from '../helpers/cli-output.js';
import { actUntilExit, useBrokerSuite } from '../helpers/mesh.js';
import { runMam } from '../helpers/workspace.js';

const NS = 'basics';
const suite = useBrokerSuite(NS);

describe('help and usage', () => {
  it('prints the global help with every command and exits 0', async () => {
    for (const flag of ['--help', '-h', 'help']) {
      const r = await runMam(suite.tw, [flag]);
      expect(r.exitCode, flag).toBe(0);
      for (const name of Object.keys(COMMANDS)) expect(r.stdout).toContain(`  ${name} `);
    }
  });

  it('prints the help of every command and exits 0, without touching the workspace', async () => {
    const runs = await Promise.all(
      Object.keys(COMMANDS).map(
        async (name) =>
          [
            name,
            await runMam(suite.tw, [name, '--help'], { env: { ...suite.tw.env, MAM_HOME: '/nonexistent' } }),
          ] as const,
      ),
    );
    for (const [name, r] of runs) {
      expect(r.exitCode, `${name}: ${String(r.stderr)}`).toBe(0);
      expect(r.stdout).toContain(`mam ${name.split('-')[0]}`);
      expect(r.stderr).toBe('');
    }
  });

  it('lists every exit status of core/errors.ts in the global help, and in the README', async () => {
    const r = await runMam(suite.tw, ['--help']);
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const code of Object.values(EXIT)) {
      expect(r.stdout, `exit ${code} in --help`).toMatch(new RegExp(`\\b${code} [a-z]`));
      expect(readme, `exit ${code} in the README`).toContain(`\`${code}\``);
    }
  });

  it('prints the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const r = await runMam(suite.tw, ['--version']);
    expect(r.stdout.trim()).toBe(`mam ${version}`);
  });

  it('exits 2 for an unknown command, naming it and pointing at --help', async () => {
    const r = await runMam(suite.tw, ['frobnicate']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('unknown command "frobnicate"');
    expect(r.stderr).toMatch(/hint: .*mam --help/);
  });

  it('exits 2 with the usage when no command is given', async () => {
    const r = await runMam(suite.tw, []);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toContain('Usage: mam <command>');
  });

  it('prints its version', async () => {
    const r = await runMam(suite.tw, ['--version']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^mam \d+\.\d+\.\d+/);
  });
});

describe('mam watch', () => {
  const job = 'W1';

  it('prints a verified event emitted meanwhile', async () => {
    const watch = runMam(suite.tw, ['watch', '--count', '1', '--json', '--job', job], { timeout: 30_000 });
    // watch --json gives no readiness signal: emit until it has seen one event.
    const r = await actUntilExit(watch, () =>
      runMam(suite.tw, ['emit', 'job.progress', '--job', job, '--no-wait', '--field', 'message=hi']),
    );
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const [line, ...rest] = jsonLines(r.stdout);
    expect(rest).toEqual([]);
    expect(line).toMatchObject({
      verified: true,
      topic: topics.events(NS, job),
      job,
      type: 'job.progress',
      kid: suite.ctx.keyFile.active,
      body: { message: 'hi' },
    });
  });

  it('prints a forged envelope as UNVERIFIED with its error code', async () => {
    const operator = await suite.connect('operator');
    const msg = JSON.stringify({
      v: 1,
      ns: NS,
      job,
      type: 'job.done',
      sender: 'mallory',
      gen: 1,
      seq: 99,
      ts: Date.now(),
      body: {},
    });
    const forged = JSON.stringify({ kid: suite.ctx.keyFile.active, sig: 'A'.repeat(43), msg });
    const watch = runMam(suite.tw, ['watch', '--count', '1', '--json', '--job', job], { timeout: 30_000 });
    const r = await actUntilExit(watch, () => operator.publish(topics.events(NS, job), forged, { qos: 1 }), 200);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(jsonLines(r.stdout)).toEqual([
      {
        verified: false,
        topic: topics.events(NS, job),
        error: 'MAM_ERR_BAD_SIGNATURE',
        bytes: Buffer.byteLength(forged),
      },
    ]);
    expect(r.stdout).not.toContain('mallory');
  });

  it('shows UNVERIFIED in plain output too', async () => {
    const operator = await suite.connect('operator');
    const watch = runMam(suite.tw, ['watch', '--count', '1', '--job', job], { timeout: 30_000 });
    const r = await actUntilExit(
      watch,
      () => operator.publish(topics.events(NS, job), 'not an envelope', { qos: 1 }),
      200,
    );
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(r.stdout).toMatch(/^UNVERIFIED jobs\/W1\/events MAM_ERR_BAD_ENVELOPE: /m);
  });
});
