import { describe, expect, it } from 'vitest';
import { bwrapArgs } from '../../agents/sandbox/bwrap-args.js';
import { resolveIsolation } from '../../agents/sandbox/isolation.js';
import { expandBind } from '../../agents/sandbox/session-sandbox.js';

describe('sessions.isolation', () => {
  it('"none" never sandboxes; "auto" falls back to none and "bwrap" refuses when bubblewrap cannot run', async () => {
    expect((await resolveIsolation('none')).mode).toBe('none');
    const missing = '/nonexistent/bwrap';
    expect(await resolveIsolation('auto', missing)).toMatchObject({
      mode: 'none',
      reason: expect.stringMatching(/not found|ENOENT/),
    });
    await expect(resolveIsolation('bwrap', missing)).rejects.toMatchObject({ code: 'MAM_ERR_SANDBOX_UNAVAILABLE' });
  });

  it('"auto" uses bubblewrap where it works', async () => {
    expect((await resolveIsolation('auto')).mode).toBe('bwrap');
  });
});

describe('the bubblewrap command line', () => {
  const plan = {
    cwd: '/ws/.mam/worktrees/j1/sub',
    writable: ['/ws/.mam/worktrees/j1', '/repo/.git'],
    binds: [expandBind({ path: '~/.claude' }, '/home/u'), expandBind({ path: '/opt/cache', mode: 'ro' }, '/home/u')],
    hidden: '/ws/.mam',
    jobDir: '/ws/.mam/jobs/j1',
    readOnly: ['/ws/.mam/tls/ca.crt', '/usr/lib/mam'],
    socketDirs: ['/run/tmux/tmux-0'],
  };
  const args = bwrapArgs(plan);
  const at = (...seq: string[]) => args.findIndex((_, i) => seq.every((s, k) => args[i + k] === s));

  it('mounts / read-only first, then covers, then puts back what the session needs', () => {
    expect(args.slice(0, 3)).toEqual(['--ro-bind', '/', '/']);
    expect(at('--tmpfs', '/tmp')).toBeGreaterThan(at('--dev', '/dev'));
    expect(at('--tmpfs', '/run/tmux/tmux-0')).toBeGreaterThan(0);
    expect(at('--bind', '/ws/.mam/jobs/j1', '/ws/.mam/jobs/j1')).toBeGreaterThan(at('--tmpfs', '/ws/.mam'));
    // The worktree lies inside the covered folder: it is put back after the cover.
    expect(args.lastIndexOf('/ws/.mam/worktrees/j1')).toBeGreaterThan(at('--tmpfs', '/ws/.mam'));
    expect(at('--bind-try', '/home/u/.claude', '/home/u/.claude')).toBeGreaterThan(0);
    expect(at('--ro-bind-try', '/opt/cache', '/opt/cache')).toBeGreaterThan(0);
    expect(at('--ro-bind', '/ws/.mam/tls/ca.crt', '/ws/.mam/tls/ca.crt')).toBeGreaterThan(at('--tmpfs', '/ws/.mam'));
    // Visible already under the read-only root: not bound again.
    expect(args).not.toContain('/usr/lib/mam');
    expect(args.slice(-3)).toEqual(['--chdir', plan.cwd, '--']);
  });

  it('drops every capability, has its own PID namespace and /proc, and no tmux variables', () => {
    for (const seq of [
      ['--cap-drop', 'ALL'],
      ['--unshare-pid'],
      ['--proc', '/proc'],
      ['--unsetenv', 'TMUX'],
      ['--unsetenv', 'TMUX_PANE'],
    ])
      expect(at(...seq), seq.join(' ')).toBeGreaterThan(0);
    expect(args).not.toContain('--share-net');
    expect(args).not.toContain('--unshare-net');
  });
});
