import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { brokerUrl, loadConfig } from '../../core/config.js';
import { isMamError, MamError } from '../../core/errors.js';
import { workspaceAt } from '../../core/workspace.js';
import { expectCleanFailure } from '../helpers/cli-output.js';
import { makeWorkspace, runMam, type TestWorkspace } from '../helpers/workspace.js';

let tw: TestWorkspace;
let original: string;
const ws = () => workspaceAt(tw.root);

beforeAll(async () => {
  tw = await makeWorkspace({ namespace: 'cfg' });
  original = readFileSync(ws().config, 'utf8');
});
beforeEach(() => writeFileSync(ws().config, original));
afterAll(() => tw?.cleanup());

function writeConfig(cfg: unknown): void {
  writeFileSync(ws().config, typeof cfg === 'string' ? cfg : JSON.stringify(cfg));
}

function loadError(env: NodeJS.ProcessEnv = {}, flags = {}): MamError {
  try {
    loadConfig(ws(), env, flags);
  } catch (err) {
    expect(isMamError(err, 'CONFIG_INVALID')).toBe(true);
    return err as MamError;
  }
  throw new Error('loadConfig accepted an invalid config');
}

// Three independent mistakes: each must be named in the one error.
const THREE_MISTAKES = { namespace: 'Bad NS!', bogus: true, broker: { port: 'eighty' } };

describe('loadConfig', () => {
  it('fills defaults and freezes the result', () => {
    writeConfig({ namespace: 'cfg' });
    const cfg = loadConfig(ws(), {});
    expect(cfg.broker).toMatchObject({ bind: '127.0.0.1', port: 8883, maxPacketBytes: 262144, maxTopicLevels: 8 });
    expect(cfg.events.maxMessageBytes).toBe(65536);
    expect(cfg.host).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]*$/);
    expect(Object.isFrozen(cfg.broker)).toBe(true);
    expect(() => ((cfg.broker as { port: number }).port = 1)).toThrow(TypeError);
  });

  it('lists all three mistakes in one CONFIG_INVALID error with a hint', () => {
    writeConfig(THREE_MISTAKES);
    const err = loadError();
    expect(err.message).toContain('3 problem(s)');
    expect(err.message).toMatch(/\/namespace: must match pattern/);
    expect(err.message).toContain('unknown property "bogus"');
    expect(err.message).toMatch(/\/broker\/port: must be integer/);
    expect(err.hint).toContain('fix');
  });

  it('reports unparseable JSON as CONFIG_INVALID', () => {
    writeConfig('{ "namespace": "cfg", ');
    expect(loadError().hint).toMatch(/JSON/);
  });

  it('lets MAM_BROKER_URL override the file, and a flag override both', () => {
    expect(brokerUrl(loadConfig(ws(), {}))).toBe('mqtts://127.0.0.1:8883');
    expect(loadConfig(ws(), { MAM_BROKER_URL: 'mqtts://broker.example:8884' }).broker.url).toBe(
      'mqtts://broker.example:8884',
    );
    const cfg = loadConfig(ws(), { MAM_BROKER_URL: 'mqtts://a:1' }, { brokerUrl: 'mqtts://b:2' });
    expect(brokerUrl(cfg)).toBe('mqtts://b:2');
  });

  it('validates values coming from the environment too', () => {
    // Plaintext mqtt:// is not a valid broker URL: credentials never cross the wire in clear.
    expect(loadError({ MAM_BROKER_URL: 'mqtt://127.0.0.1:1883' }).message).toMatch(/\/broker\/url/);
    expect(loadError({ MAM_HOST: 'bad host' }).message).toMatch(/\/host/);
  });
});

describe('an invalid config seen through the CLI', () => {
  beforeEach(() => writeConfig(THREE_MISTAKES));

  it('makes `mam emit` exit 3 with every problem, a hint and no stack trace', async () => {
    const r = await runMam(tw, ['emit', 'job.progress', '--job', 'J1', '--no-wait']);
    expectCleanFailure(r, 3);
    expect(r.stderr).toContain('3 problem(s)');
    for (const what of ['/namespace', 'bogus', '/broker/port']) expect(r.stderr).toContain(what);
  });

  it('makes `mam doctor` fail the workspace check and say how to fix it', async () => {
    const r = await runMam(tw, ['doctor', '--json']);
    expect(r.exitCode).toBe(1);
    const report = JSON.parse(String(r.stdout)) as {
      ok: boolean;
      checks: Array<{ name: string; status: string; detail: string; fix?: string }>;
    };
    expect(report.ok).toBe(false);
    const check = report.checks.find((c) => c.name === 'workspace');
    expect(check).toMatchObject({ status: 'fail' });
    for (const what of ['/namespace', 'bogus', '/broker/port']) expect(check!.detail).toContain(what);
    expect(check!.fix).toBeTruthy();
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('message and packet limits', () => {
  it('refuses events.maxMessageBytes that does not fit in one broker packet, saying which keys to change', () => {
    writeConfig({ namespace: 'cfg', broker: { maxPacketBytes: 65536 }, events: { maxMessageBytes: 65536 } });
    const err = loadError();
    expect(err.message).toMatch(/events\.maxMessageBytes/);
    expect(err.message).toMatch(/broker\.maxPacketBytes/);
    expect(err.hint).toMatch(/65280 or less/);
    writeConfig({ namespace: 'cfg', broker: { maxPacketBytes: 65536 }, events: { maxMessageBytes: 65280 } });
    expect(loadConfig(ws(), {}).events.maxMessageBytes).toBe(65280);
  });

  it('the JSON syntax hint never suggests `mam init --force` (it would reset the config)', () => {
    writeConfig('{ "namespace": "cfg", }');
    const err = loadError();
    expect(err.hint).not.toMatch(/--force/);
    expect(err.hint).toMatch(/JSON syntax/);
  });
});
