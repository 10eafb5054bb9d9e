import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isMamSessionName, isValidSessionName, sessionName } from '../../agents/session-name.js';

describe('sessionName', () => {
  it('has the documented shape', () => {
    const name = sessionName({ agent: 'claude', workdir: '/home/me/My Repo.v2', job: 'job-1' });
    expect(name).toMatch(/^mam-claude-my-repo-v2-[0-9a-f]{8}$/);
    expect(isMamSessionName(name)).toBe(true);
  });

  it('keeps workdirs with the same folder name apart', () => {
    const a = sessionName({ agent: 'codex', workdir: '/a/src', job: 'j' });
    const b = sessionName({ agent: 'codex', workdir: '/b/src', job: 'j' });
    expect(a).not.toBe(b);
    expect(a.startsWith('mam-codex-src-')).toBe(true);
  });

  it('keeps jobs apart, and is stable for the same inputs', () => {
    const one = sessionName({ agent: 'codex', workdir: '/w', job: 'j1' });
    expect(sessionName({ agent: 'codex', workdir: '/w', job: 'j2' })).not.toBe(one);
    expect(sessionName({ agent: 'codex', workdir: '/w/', job: 'j1' })).toBe(one);
  });

  it('does not let the workdir/job boundary shift into a collision', () => {
    const a = sessionName({ agent: 'x', workdir: '/p/ab', job: 'c' });
    const b = sessionName({ agent: 'x', workdir: '/p/a', job: 'bc' });
    expect(a).not.toBe(b);
  });

  it('resolves relative workdirs against the cwd', () => {
    expect(sessionName({ agent: 'x', workdir: '.', job: 'j' })).toBe(
      sessionName({ agent: 'x', workdir: process.cwd(), job: 'j' }),
    );
  });

  it('always yields a valid, bounded tmux name for any input', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (agent, base, job) => {
        const name = sessionName({ agent, workdir: `/tmp/${base.replaceAll('/', '_')}`, job });
        expect(name).not.toMatch(/[.:]/);
        expect(name).toMatch(/^[a-z0-9-]+$/);
        expect(name.length).toBeLessThanOrEqual(60);
        expect(isMamSessionName(name)).toBe(true);
        expect(isValidSessionName(name)).toBe(true);
      }),
    );
  });

  it('falls back to readable words for empty slugs', () => {
    expect(sessionName({ agent: '', workdir: '/', job: 'j' })).toMatch(/^mam-agent-root-[0-9a-f]{8}$/);
  });
});

describe('isMamSessionName / isValidSessionName', () => {
  it('tells mam names from others', () => {
    expect(isMamSessionName('mam-claude-src-0123abcd')).toBe(true);
    expect(isMamSessionName('mam-claude-0123abcd')).toBe(false);
    expect(isMamSessionName('work')).toBe(false);
    expect(isMamSessionName('mam-claude-src-0123ABCD')).toBe(false);
    expect(isMamSessionName('mam-claude-s.c-0123abcd')).toBe(false);
  });

  it('refuses what tmux would misread', () => {
    expect(isValidSessionName('ok_name-1')).toBe(true);
    for (const bad of ['', 'a.b', 'a:b', '=a', 'a b', 'x'.repeat(129)]) expect(isValidSessionName(bad)).toBe(false);
  });
});
