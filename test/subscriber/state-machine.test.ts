import { describe, expect, it } from 'vitest';
import { isMamError } from '../../core/errors.js';
import {
  JOB_STATES,
  TERMINAL_STATES,
  TRANSITIONS,
  isTerminal,
  nextState,
  transitionFor,
} from '../../subscriber/state-machine.js';
import type { JobState, Transition } from '../../subscriber/state-machine.js';

// The expected matrix is written out here on its own, not read from the table,
// so a change to the table must be made twice, on purpose.
// biome-ignore format: a table, laid out to be read row by row
const NAMES: Record<string, JobState | null> = {
  queu: 'queued', star: 'starting', runn: 'running', test: 'testing', revw: 'review', blok: 'blocked',
  fail: 'failed', rtry: 'retrying', done: 'done', canc: 'cancelled', tout: 'timeout', lost: 'lost',
  '----': null,
};

// biome-ignore format: a table, laid out to be read row by row
const COLUMNS: Transition[] = [
  'job.started', 'job.progress', 'job.progress:testing', 'job.progress:review', 'job.heartbeat',
  'job.blocked', 'job.done', 'job.failed', 'job.cancelled', 'review.verdict:PASS', 'review.verdict:NOT_PASS',
  'launch', 'resume', 'retry', 'timeout', 'lost', 'artifacts-missing',
  'cancel', 'gate', 'gate-passed', 'gate-failed', 'gate-relaunch', 'gate-exhausted', 'needs-approval',
];

// biome-ignore format: a table, laid out to be read row by row
const MATRIX: Record<JobState, string> = {
  // start prog p:te p:rv beat blkd done fail canc PASS NOTP lnch resm rtry tout lost arts cncl gate g:ok g:no g:rl g:ex
  // appr
  queued:    '---- ---- ---- ---- ---- ---- ---- ---- canc queu queu star ---- ---- tout ---- ---- canc ---- ---- ---- ---- ---- ----',
  starting:  'runn runn test revw star blok done fail canc star star ---- ---- ---- tout lost blok ---- test ---- ---- ---- ---- revw',
  running:   'runn runn test revw runn blok done fail canc runn runn ---- ---- ---- tout lost blok ---- test ---- ---- ---- ---- revw',
  testing:   '---- runn test revw test blok done fail canc test test ---- ---- ---- tout lost blok ---- test done runn star fail revw',
  review:    '---- revw revw revw revw blok done fail canc done runn ---- ---- ---- tout lost blok ---- test ---- ---- ---- ---- revw',
  blocked:   '---- runn test revw blok blok done fail canc blok blok ---- star ---- tout lost blok ---- test ---- ---- ---- ---- revw',
  failed:    '---- ---- ---- ---- ---- ---- ---- ---- ---- ---- ---- ---- star rtry ---- ---- ---- ---- ---- ---- ---- ---- ---- ----',
  retrying:  '---- ---- ---- ---- ---- ---- ---- ---- canc rtry rtry star ---- ---- tout ---- ---- canc ---- ---- ---- ---- ---- ----',
  done:      '---- ---- ---- ---- ---- ---- ---- ---- ---- ---- ---- ---- ---- ---- ---- ---- ---- ---- ---- ---- ---- ---- ---- ----',
  cancelled: '---- ---- ---- ---- ---- ---- ---- ---- ---- ---- ---- ---- star ---- ---- ---- ---- ---- ---- ---- ---- ---- ---- ----',
  timeout:   '---- ---- ---- ---- ---- ---- ---- ---- ---- ---- ---- ---- star ---- ---- ---- ---- ---- ---- ---- ---- ---- ---- ----',
  lost:      '---- ---- ---- ---- ---- ---- done fail canc lost lost ---- star rtry tout ---- blok ---- test ---- ---- ---- ---- revw',
};

function expected(state: JobState, column: number): JobState | null {
  const cell = MATRIX[state].split(/\s+/)[column];
  if (cell === undefined || !(cell in NAMES)) throw new Error(`bad matrix cell ${state}/${column}`);
  return NAMES[cell] ?? null;
}

describe('state table', () => {
  it('the matrix covers exactly the exported states and inputs', () => {
    expect(Object.keys(MATRIX).sort()).toEqual([...JOB_STATES].sort());
    expect([...COLUMNS].sort()).toEqual([...TRANSITIONS].sort());
    for (const row of Object.values(MATRIX)) expect(row.split(/\s+/)).toHaveLength(COLUMNS.length);
  });

  for (const state of Object.keys(MATRIX) as JobState[]) {
    it(`every input from ${state}`, () => {
      const got = COLUMNS.map((input) => `${input} → ${nextState(state, input)}`);
      const want = COLUMNS.map((input, i) => `${input} → ${expected(state, i)}`);
      expect(got).toEqual(want);
    });
  }

  it('terminal states are done, failed, cancelled and timeout', () => {
    expect([...TERMINAL_STATES].sort()).toEqual(['cancelled', 'done', 'failed', 'timeout']);
    const terminal = JOB_STATES.filter((s) => isTerminal(s));
    expect(terminal.sort()).toEqual(['cancelled', 'done', 'failed', 'timeout']);
  });

  it('no event moves a job out of a terminal state', () => {
    const events = COLUMNS.filter((c) => c.includes('.'));
    for (const state of TERMINAL_STATES) {
      for (const input of events) expect(nextState(state, input)).toBeNull();
    }
  });

  it('names from outside the table are illegal, not looked up on the prototype', () => {
    expect(nextState('constructor' as JobState, 'launch')).toBeNull();
    expect(nextState('queued', 'constructor' as Transition)).toBeNull();
    expect(nextState('running', '__proto__' as Transition)).toBeNull();
    expect(nextState('running', 'job.output' as Transition)).toBeNull();
  });
});

describe('transitionFor', () => {
  const cases: Array<[string, unknown, Transition]> = [
    ['job.started', { pid: 42 }, 'job.started'],
    ['job.progress', {}, 'job.progress'],
    ['job.progress', { message: 'x', percent: 10 }, 'job.progress'],
    ['job.progress', { phase: 'working' }, 'job.progress'],
    ['job.progress', { phase: 'testing' }, 'job.progress:testing'],
    ['job.progress', { phase: 'review' }, 'job.progress:review'],
    ['job.heartbeat', {}, 'job.heartbeat'],
    ['job.blocked', { reason: 'r' }, 'job.blocked'],
    ['job.done', {}, 'job.done'],
    ['job.failed', { reason: 'r' }, 'job.failed'],
    ['job.cancelled', {}, 'job.cancelled'],
    ['review.verdict', { verdict: 'PASS', findings: [] }, 'review.verdict:PASS'],
    ['review.verdict', { verdict: 'NOT_PASS', findings: [] }, 'review.verdict:NOT_PASS'],
  ];
  for (const [type, body, want] of cases) {
    it(`${type} ${JSON.stringify(body)} → ${want}`, () => expect(transitionFor(type, body)).toBe(want));
  }

  const refused: Array<[string, unknown]> = [
    ['review.verdict', { findings: [] }],
    ['review.verdict', { verdict: 'pass', findings: [] }],
    ['review.verdict', null],
    ['job.progress', { phase: 'deploying' }],
    ['job.output', {}],
    ['job.state', {}],
    ['control.stop', {}],
    ['launch', {}],
    ['job.progress:testing', {}],
    ['review.verdict:PASS', {}],
    ['', {}],
  ];
  for (const [type, body] of refused) {
    it(`refuses ${JSON.stringify(type)} ${JSON.stringify(body)} with MAM_ERR_SCHEMA`, () => {
      let caught: unknown;
      try {
        transitionFor(type, body);
      } catch (err) {
        caught = err;
      }
      expect(isMamError(caught, 'SCHEMA')).toBe(true);
    });
  }

  it('a body that is not an object still maps plain progress', () => {
    expect(transitionFor('job.progress', undefined)).toBe('job.progress');
    expect(transitionFor('job.progress', null)).toBe('job.progress');
  });
});
