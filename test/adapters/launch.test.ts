import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AdapterJob } from '../../agents/adapter.js';
import { adapterFor } from '../../agents/adapters/index.js';
import { GEMINI_HOME_ENV } from '../../agents/hooks/gemini-settings.js';
import { reportInstructions, withReportInstructions } from '../../agents/hooks/report-instructions.js';
import type { AgentConfig } from '../../core/config.js';

const jobDir = mkdtempSync(join(tmpdir(), 'mam-launch-'));
afterAll(() => rmSync(jobDir, { recursive: true, force: true }));

const job = (config: AgentConfig = {}, agentSessionId?: string): AdapterJob => ({
  id: 'j1',
  gen: 1,
  workdir: '/work',
  prompt: 'do it',
  jobDir,
  env: { MAM_JOB_ID: 'j1' },
  config,
  agentSessionId,
});

describe('adapter launch', () => {
  it("Claude Code: the job's hook settings with --settings, --resume with the id of the earlier generation", () => {
    const fresh = adapterFor('claude').launch(job());
    expect(fresh.command).toBe('claude');
    expect(fresh.args).toEqual(['--settings', join(jobDir, 'claude-settings.json')]);
    // The updater is off in every session: it ran `npm install -g` mid-job.
    expect(fresh.env.DISABLE_AUTOUPDATER).toBe('1');
    expect(JSON.parse(readFileSync(join(jobDir, 'claude-settings.json'), 'utf8')).hooks.Stop).toHaveLength(1);
    const resumed = adapterFor('claude').launch(
      job({ bin: '/opt/claude', args: ['--model', 'opus'], env: { A: '1' } }, 'sess-1'),
    );
    expect(resumed).toEqual({
      command: '/opt/claude',
      args: ['--model', 'opus', '--settings', join(jobDir, 'claude-settings.json'), '--resume', 'sess-1'],
      env: { A: '1', DISABLE_AUTOUPDATER: '1' },
    });
  });

  it('Codex: notify set per run with -c (a TOML array of the relay argv), then `resume <id>`', () => {
    const l = adapterFor('codex').launch(job({ args: ['--model', 'o3'] }, 'thread-7'));
    expect(l.command).toBe('codex');
    expect(l.args[0]).toBe('-c');
    const notify = JSON.parse(l.args[1]!.replace(/^notify=/, '')) as string[];
    expect(notify[0]).toBe(process.execPath);
    expect(notify.slice(-2)).toEqual([expect.stringMatching(/hook-relay\.js$/), 'codex']);
    expect(l.args.slice(2)).toEqual(['-c', 'check_for_update_on_startup=false', 'resume', 'thread-7', '--model', 'o3']);
  });

  it("Gemini CLI: a per-job GEMINI_CLI_HOME whose settings are the user's plus mam's hooks, the rest linked to the user's", () => {
    const userHome = join(jobDir, 'user-home');
    mkdirSync(join(userHome, '.gemini'), { recursive: true });
    writeFileSync(join(userHome, '.gemini', 'settings.json'), JSON.stringify({ general: { vimMode: true } }));
    writeFileSync(join(userHome, '.gemini', 'oauth_creds.json'), '{}');
    const l = adapterFor('gemini').launch({ ...job({}, 'g-1'), env: { HOME: userHome } });
    expect(l.args).toEqual(['--resume', 'g-1']);
    const home = l.env[GEMINI_HOME_ENV]!;
    expect(home).toBe(join(jobDir, 'gemini-home'));
    expect(l.env.GEMINI_CLI_TRUST_WORKSPACE).toBe('true');
    const settings = JSON.parse(readFileSync(join(home, '.gemini', 'settings.json'), 'utf8'));
    expect(settings.general).toEqual({ vimMode: true, enableAutoUpdate: false, enableAutoUpdateNotification: false });
    expect(Object.keys(settings.hooks)).toEqual(['SessionStart', 'AfterAgent', 'Notification']);
    expect(readlinkSync(join(home, '.gemini', 'oauth_creds.json'))).toBe(join(userHome, '.gemini', 'oauth_creds.json'));
    // The user's own settings are not touched.
    expect(JSON.parse(readFileSync(join(userHome, '.gemini', 'settings.json'), 'utf8'))).toEqual({
      general: { vimMode: true },
    });
  });

  it('Hermes: --resume, and no files of its own (it reports through its prompt)', () => {
    const l = adapterFor('hermes').launch(job({}, '20260101_120000_ab12cd'));
    expect(l).toEqual({ command: 'hermes', args: ['--resume', '20260101_120000_ab12cd'], env: {} });
    expect(existsSync(join(jobDir, 'hermes'))).toBe(false);
  });

  it('every agent CLI has a drive and exit keys', () => {
    for (const name of ['claude', 'gemini', 'codex', 'hermes']) {
      const a = adapterFor(name);
      expect(a.name).toBe(name);
      expect(typeof a.drive).toBe('function');
      expect(a.exitKeys?.length).toBeGreaterThan(0);
    }
  });
});

describe('reporting instructions in the prompt', () => {
  it('lists the mam emit commands on lines of their own, the session id command first when given', () => {
    const text = withReportInstructions('Fix the bug.\n', { sessionIdCommand: 'echo id' })!;
    expect(text.startsWith('Fix the bug.\n')).toBe(true);
    const commands = text.split('\n').filter((l) => l.startsWith('$ '));
    expect(commands).toEqual([
      '$ echo id',
      '$ mam emit job.done --field summary="<one line: what you did>"',
      '$ mam emit job.failed --field reason="<one line: why>"',
      '$ mam emit job.blocked --field reason="<one line: the question>"',
    ]);
    expect(reportInstructions()).not.toContain('echo id');
    expect(withReportInstructions(undefined)).toBeUndefined();
  });
});
