import { OPERATOR_CASES } from './operator-cases.js';

/** Each event type: bodies its schema must accept, and labelled bodies it must refuse. */
const long = (n: number): string => 'x'.repeat(n);
const findings = (n: number): unknown[] => Array.from({ length: n }, (_, i) => ({ message: `f${i}` }));

export const CASES: Record<string, { valid: unknown[]; invalid: Array<[string, unknown]> }> = {
  'job.started': {
    valid: [
      {},
      { pid: 1, backend: 'tmux', session: 'mam-j1', agentSessionId: '0b7c2c3e-9f1d-4c1a-8a53-3f0e4c5a6b7d' },
      { backend: 'pty' },
    ],
    invalid: [
      ['pid 0', { pid: 0 }],
      ['pid not integer', { pid: 1.5 }],
      ['pid as string', { pid: '12' }],
      ['unknown backend', { backend: 'screen' }],
      ['session too long', { session: long(257) }],
      ['session with a newline', { session: 'a\nb' }],
      ['empty agentSessionId', { agentSessionId: '' }],
      ['extra property', { pid: 1, host: 'h' }],
      ['not an object', []],
    ],
  },
  'job.progress': {
    valid: [
      {},
      { message: long(4096), percent: 0, phase: 'working' },
      { percent: 100, phase: 'testing' },
      { percent: 42.5, phase: 'review' },
    ],
    invalid: [
      ['message too long', { message: long(4097) }],
      ['percent over 100', { percent: 100.1 }],
      ['percent negative', { percent: -1 }],
      ['unknown phase', { phase: 'done' }],
      ['extra property', { message: 'm', state: 'running' }],
      ['null', null],
    ],
  },
  'job.heartbeat': {
    valid: [{}],
    invalid: [
      ['any property', { at: 1 }],
      ['a string', 'beat'],
      ['an array', []],
    ],
  },
  'job.blocked': {
    valid: [{ reason: 'needs an API key' }, { reason: long(4096) }],
    invalid: [
      ['no reason', {}],
      ['empty reason', { reason: '' }],
      ['reason too long', { reason: long(4097) }],
      ['reason not a string', { reason: 7 }],
      ['extra property', { reason: 'r', since: 1 }],
    ],
  },
  'job.done': {
    valid: [
      {},
      { summary: long(16384), artifacts: [] },
      { artifacts: Array.from({ length: 64 }, (_, i) => `out/${i}.txt`) },
    ],
    invalid: [
      ['summary too long', { summary: long(16385) }],
      ['too many artifacts', { artifacts: Array.from({ length: 65 }, (_, i) => `a${i}`) }],
      ['empty artifact path', { artifacts: [''] }],
      ['artifact path too long', { artifacts: [long(1025)] }],
      ['artifact path with NUL', { artifacts: ['a\u0000b'] }],
      ['artifacts not an array', { artifacts: 'a.txt' }],
      ['extra property', { summary: 's', exitCode: 0 }],
    ],
  },
  'job.failed': {
    valid: [{ reason: 'tests fail' }, { reason: 'rate limited', retryable: true }],
    invalid: [
      ['no reason', { retryable: false }],
      ['empty reason', { reason: '' }],
      ['reason too long', { reason: long(4097) }],
      ['retryable not boolean', { reason: 'r', retryable: 'yes' }],
      ['extra property', { reason: 'r', code: 1 }],
    ],
  },
  'job.cancelled': {
    valid: [{}, { reason: 'superseded', by: 'operator@host-a' }, { reason: '' }],
    invalid: [
      ['reason too long', { reason: long(4097) }],
      ['by too long', { by: long(129) }],
      ['empty by', { by: '' }],
      ['by with escape', { by: 'op\u001b[2J' }],
      ['extra property', { at: 1 }],
    ],
  },
  'review.verdict': {
    valid: [
      { verdict: 'PASS', findings: [] },
      {
        verdict: 'NOT_PASS',
        findings: [{ message: 'missing test', severity: 'major', file: 'src/a.ts', line: 0 }],
        reviewer: 'codex',
      },
      { verdict: 'NOT_PASS', findings: findings(256) },
    ],
    invalid: [
      ['no verdict', { findings: [] }],
      ['no findings', { verdict: 'PASS' }],
      ['lower-case verdict', { verdict: 'pass', findings: [] }],
      ['too many findings', { verdict: 'NOT_PASS', findings: findings(257) }],
      ['finding without message', { verdict: 'NOT_PASS', findings: [{ severity: 'minor' }] }],
      ['finding message too long', { verdict: 'NOT_PASS', findings: [{ message: long(4097) }] }],
      ['unknown severity', { verdict: 'NOT_PASS', findings: [{ message: 'm', severity: 'blocker' }] }],
      ['negative line', { verdict: 'NOT_PASS', findings: [{ message: 'm', line: -1 }] }],
      ['fractional line', { verdict: 'NOT_PASS', findings: [{ message: 'm', line: 1.5 }] }],
      ['extra finding property', { verdict: 'NOT_PASS', findings: [{ message: 'm', fix: 'x' }] }],
      ['reviewer too long', { verdict: 'PASS', findings: [], reviewer: long(129) }],
      ['extra property', { verdict: 'PASS', findings: [], score: 10 }],
    ],
  },
  'job.state': {
    valid: [
      { state: 'running', gen: 1, host: 'h1', updatedAt: 1, acks: [['agent', 3]], hwm: [['agent', 3]] },
      {
        state: 'blocked',
        reason: 'artifacts missing: out.txt',
        gen: 0,
        host: 'h',
        agent: null,
        session: null,
        updatedAt: 0,
      },
    ],
    invalid: [
      ['unknown state', { state: 'zombie', gen: 1, host: 'h', updatedAt: 1 }],
      ['missing gen', { state: 'done', host: 'h', updatedAt: 1 }],
      ['ack seq 0', { state: 'done', gen: 1, host: 'h', updatedAt: 1, acks: [['agent', 0]] }],
      ['ack not a pair', { state: 'done', gen: 1, host: 'h', updatedAt: 1, acks: [['agent']] }],
      ['extra property', { state: 'done', gen: 1, host: 'h', updatedAt: 1, pid: 4 }],
    ],
  },
  'job.output': {
    valid: [{ data: '' }, { data: long(32768) }],
    invalid: [
      ['missing data', {}],
      ['too long', { data: long(32769) }],
      ['extra', { data: 'x', n: 1 }],
    ],
  },
  'host.status': {
    valid: [{ status: 'online', pid: 12, since: 1 }, { status: 'offline' }],
    invalid: [
      ['unknown status', { status: 'away' }],
      ['missing status', {}],
      ['pid 0', { status: 'online', pid: 0 }],
    ],
  },
  ...OPERATOR_CASES,
  'escalation.open': {
    valid: [
      { job: 'j1', host: 'h1', kind: 'blocked', reason: 'needs an API key', command: 'mam job resume j1', at: 1 },
    ],
    invalid: [
      ['missing command', { job: 'j1', host: 'h1', kind: 'blocked', reason: 'r', at: 1 }],
      ['job with a slash', { job: 'a/b', host: 'h1', kind: 'blocked', reason: 'r', command: 'c', at: 1 }],
      ['upper-case kind', { job: 'j1', host: 'h1', kind: 'Blocked', reason: 'r', command: 'c', at: 1 }],
      ['empty reason', { job: 'j1', host: 'h1', kind: 'blocked', reason: '', command: 'c', at: 1 }],
      ['extra property', { job: 'j1', host: 'h1', kind: 'blocked', reason: 'r', command: 'c', at: 1, by: 'x' }],
    ],
  },
  'escalation.cleared': {
    valid: [{ job: 'j1', host: 'h1', kinds: ['blocked', 'gate-failed'], reason: 'job done', at: 2 }],
    invalid: [
      ['no kinds', { job: 'j1', host: 'h1', kinds: [], reason: 'r', at: 1 }],
      ['a kind twice', { job: 'j1', host: 'h1', kinds: ['blocked', 'blocked'], reason: 'r', at: 1 }],
      ['missing at', { job: 'j1', host: 'h1', kinds: ['blocked'], reason: 'r' }],
    ],
  },
};
