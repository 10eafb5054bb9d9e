import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../core/package-root.js';
import { expectCleanFailure } from '../helpers/cli-output.js';
import { MAM_BIN } from '../helpers/workspace.js';

const dir = mkdtempSync(join(tmpdir(), 'mam-wf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function validate(name: string, text: string, ...params: string[]) {
  writeFileSync(join(dir, name), text);
  return mam(['run', 'validate', name, ...params.flatMap((p) => ['--param', p])]);
}
const mam = (args: string[]) =>
  execa(process.execPath, [MAM_BIN, ...args], { cwd: dir, reject: false, timeout: 30_000 });

describe('mam run validate', () => {
  it('accepts every example workflow with its params', async () => {
    const examples = resolve(packageRoot(), 'examples', 'workflows');
    const params: Record<string, string[]> = {
      'plan-implement-test-review.yaml': ['task=add a --verbose flag'],
      'fan-out-modules.yaml': ['modules=core,cli,broker,agents'],
    };
    expect(readdirSync(examples).sort()).toEqual(Object.keys(params).sort());
    for (const [file, p] of Object.entries(params)) {
      const r = await mam(['run', 'validate', join(examples, file), ...p.flatMap((x) => ['--param', x])]);
      expect(r.exitCode, String(r.stderr)).toBe(0);
      expect(String(r.stdout)).toMatch(/: valid, \d+ steps, \d+ jobs with these params$/);
    }
    // --json: the params as resolved (defaults filled, lists split) and the jobs a fan-out makes.
    const j = await mam([
      'run',
      'validate',
      join(examples, 'fan-out-modules.yaml'),
      '--json',
      '--param',
      'modules=a,b,c,d',
    ]);
    expect(JSON.parse(String(j.stdout))).toMatchObject({
      valid: true,
      steps: 3,
      jobs: 6,
      params: { modules: ['a', 'b', 'c', 'd'], change: 'add missing doc comments' },
    });
  });

  it('lists every problem of a file at once, each with its line: unknown field, bad value, twice-used id, unknown need, foreach, cycle', async () => {
    const r = await validate(
      'bad.yaml',
      `params:
  - name: mods
    type: list
steps:
  - id: a
    agent: claude
    needs: [c]
    colour: red
  - id: b
    agent: claude
    needs: [a, ghost]
    foreach: mods2
  - id: c
    agent: claude
    needs: [b]
  - id: a
    agent: claude
    retries: -1
`,
    );
    expectCleanFailure(r, 2);
    const err = String(r.stderr);
    expect(err).toContain('has 6 problems');
    expect(err).toContain('line 8: /steps/0: unknown property "colour"');
    expect(err).toContain('line 18: /steps/3/retries: must be >= 0');
    expect(err).toContain('line 16: step id "a" is used twice');
    expect(err).toContain('line 11: step "b" needs "ghost", no such step');
    expect(err).toContain('line 12: step "b": foreach "mods2" is not a param of type list');
    expect(err).toMatch(/line 5: steps wait for each other: a → c → b → a/);
  });

  it("names an agent with no adapter, a step's or its reviewer's, with its line and the known ones", async () => {
    const r = await validate(
      'agents.yaml',
      `steps:
  - id: a
    agent: claud
  - id: b
    agent: command
    review: { agent: nobody }
`,
    );
    expectCleanFailure(r, 2);
    const err = String(r.stderr);
    expect(err).toContain('has 2 problems');
    expect(err).toMatch(/line 3: step "a": unknown agent "claud" \(known: command, claude, gemini, codex, hermes\)/);
    expect(err).toMatch(/line 6: step "b": unknown review agent "nobody"/);
  });

  it('reports a YAML syntax error with its line, and a JSON file is read as well', async () => {
    const r = await validate('syntax.yaml', 'steps:\n  - id: a\n    agent: [claude\n');
    expectCleanFailure(r, 2);
    expect(String(r.stderr)).toMatch(/line \d+: .*(sequence|\])/);
    const j = await validate('w.json', JSON.stringify({ steps: [{ id: 'a', agent: 'command', needs_any: ['b'] }] }));
    expectCleanFailure(j, 2);
    expect(String(j.stderr)).toContain('step "a" needs "b", no such step');
  });

  it('checks the params: a required one missing, an unknown one, a number that is not', async () => {
    const text = `params:
  - { name: task, required: true }
  - { name: n, type: number, default: 3 }
steps:
  - { id: a, agent: command, prompt: "{{params.task}}" }
`;
    const r = await validate('p.yaml', text, 'nope=1', 'n=three');
    expectCleanFailure(r, 2);
    const err = String(r.stderr);
    expect(err).toContain('--param nope: the workflow has no such param (it has: task, n)');
    expect(err).toContain('param "task" is required: give it with --param task=<value>');
    expect(err).toContain('param "n" must be a number, got "three"');
    expect((await validate('p.yaml', text, 'task=x')).exitCode).toBe(0);
  });

  it('refuses a hostile file without expanding it: nested aliases, a huge file', async () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++)
      bomb.push(
        `${'b'.repeat(i)}: &${'b'.repeat(i)} [${Array(10)
          .fill(i === 1 ? '*a' : `*${'b'.repeat(i - 1)}`)
          .join(', ')}]`,
      );
    bomb.push('steps: [{ id: s, agent: command }]');
    const r = await validate('bomb.yaml', `${bomb.join('\n')}\n`);
    expectCleanFailure(r, 2);
    expect(String(r.stderr)).toMatch(/alias/i);
    const big = await validate('big.yaml', `steps: [{ id: s, agent: command }]\n#${'x'.repeat(1_000_001)}\n`);
    expectCleanFailure(big, 2);
    expect(String(big.stderr)).toContain('a workflow has at most 1000000');
  });
});
