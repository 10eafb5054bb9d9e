/** The operator's commands on hosts/<host>/control: bodies each schema must accept, and labelled ones it must refuse. */
const long = (n: number): string => 'x'.repeat(n);

export const OPERATOR_CASES: Record<string, { valid: unknown[]; invalid: Array<[string, unknown]> }> = {
  'control.create': {
    valid: [
      { agent: 'command' },
      {
        agent: 'claude',
        workdir: '/w',
        prompt: 'fix it',
        expect: ['git:commit', 'out.txt'],
        timeoutMs: 60000,
        worktree: true,
        backend: 'tmux',
        launch: true,
      },
      {
        agent: 'codex',
        priority: 9,
        after: ['a', 'b'],
        afterAny: true,
        gate: 'npm test',
        gateAttempts: 3,
        gateTimeoutMs: 60000,
        retries: 2,
        backoffMinMs: 1000,
        backoffMaxMs: 60000,
        approval: 'risk',
      },
      { agent: 'claude', from: ['mam/run-plan-1', 'mam/run-b-1'], remote: 'origin' },
      { agent: 'claude', from: ['mam/r-x-1'], remote: 'git@example.com:team/repo.git' },
    ],
    invalid: [
      ['missing agent', { workdir: '/w' }],
      ['a from branch not of mam', { agent: 'command', from: ['main'] }],
      ['a remote that reads as a git option', { agent: 'command', remote: '--upload-pack=evil' }],
      ['a remote with a space', { agent: 'command', remote: 'origin main' }],
      ['agent with a slash', { agent: 'a/b' }],
      ['empty expect entry', { agent: 'command', expect: [''] }],
      ['unknown backend', { agent: 'command', backend: 'screen' }],
      ['extra', { agent: 'command', host: 'x' }],
      ['priority 10', { agent: 'command', priority: 10 }],
      ['a dependency id with a slash', { agent: 'command', after: ['a/b'] }],
      ['a dependency twice', { agent: 'command', after: ['a', 'a'] }],
      ['empty gate', { agent: 'command', gate: '' }],
      ['unknown approval', { agent: 'command', approval: 'maybe' }],
    ],
  },
  'control.resume': {
    valid: [{}, { prompt: 'continue' }],
    invalid: [
      ['extra', { gen: 2 }],
      ['prompt too long', { prompt: long(262145) }],
    ],
  },
  'breaker.reset': {
    valid: [{ agent: 'claude' }, { agent: 'command', reason: long(1024) }],
    invalid: [
      ['no agent', {}],
      ['agent with a capital', { agent: 'Claude' }],
      ['agent too long', { agent: `a${long(32)}` }],
      ['reason too long', { agent: 'claude', reason: long(1025) }],
      ['extra property', { agent: 'claude', host: 'h' }],
    ],
  },
  'schedule.add': {
    valid: [
      { id: 'nightly', cron: '0 3 * * *', file: 'wf.yaml', workflow: 'steps: []\n' },
      { id: 'n-1', cron: '*/5 * * * * *', file: 'wf.yaml', workflow: '{}', params: { module: 'core', _x: '' } },
    ],
    invalid: [
      ['no cron', { id: 'n', file: 'f', workflow: 'w' }],
      ['an id with a slash', { id: 'a/b', cron: '* * * * *', file: 'f', workflow: 'w' }],
      ['a param that is not a string', { id: 'n', cron: '* * * * *', file: 'f', workflow: 'w', params: { a: 1 } }],
      ['a param name with a dot', { id: 'n', cron: '* * * * *', file: 'f', workflow: 'w', params: { 'a.b': 'x' } }],
      ['a workflow over 64 KiB', { id: 'n', cron: '* * * * *', file: 'f', workflow: long(65_537) }],
      ['an unknown field', { id: 'n', cron: '* * * * *', file: 'f', workflow: 'w', host: 'h' }],
    ],
  },
  'schedule.remove': {
    valid: [{ id: 'nightly' }],
    invalid: [
      ['no id', {}],
      ['an id with a space', { id: 'a b' }],
      ['an unknown field', { id: 'n', cron: '* * * * *' }],
    ],
  },
  'run.start': {
    valid: [
      { id: 'nightly-1a2b', file: 'wf.yaml', workflow: 'steps: []\n', workdir: '/tmp/w' },
      { id: 'r1', file: 'wf.yaml', workflow: '{}', workdir: '/w', params: { modules: 'a,b' } },
    ],
    invalid: [
      ['no workdir', { id: 'r', file: 'f', workflow: 'w' }],
      ['an id over 24 characters', { id: long(25), file: 'f', workflow: 'w', workdir: '/w' }],
      ['an id with a slash', { id: 'a/b', file: 'f', workflow: 'w', workdir: '/w' }],
      ['a param that is not a string', { id: 'r', file: 'f', workflow: 'w', workdir: '/w', params: { a: 1 } }],
      ['an unknown field', { id: 'r', file: 'f', workflow: 'w', workdir: '/w', host: 'h' }],
    ],
  },
  'run.stop': {
    valid: [{ id: 'r1' }],
    invalid: [
      ['no id', {}],
      ['an unknown field', { id: 'r', why: 'x' }],
    ],
  },
  'run.resume': {
    valid: [{ id: 'r1' }],
    invalid: [
      ['no id', {}],
      ['an id with a space', { id: 'a b' }],
    ],
  },
};
