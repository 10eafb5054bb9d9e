import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeLaunchEnv } from '../../agents/backends/launch-env.js';

describe('a session environment passed through a launch file', () => {
  const env = { PATH: '/usr/bin:/bin', MAM_JOB_KEY: 'k\'ey"$HOME`x`\\', MULTI: 'line 1\nline 2\n', EMPTY: '' };

  it('is a 0600 file in a 0700 folder, named but never spelled out on the command line', () => {
    const launch = writeLaunchEnv(env);
    const argv = launch.argv(['/usr/bin/env']);
    const file = argv[3]!;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(file)).mode & 0o777).toBe(0o700);
    for (const value of Object.values(env).filter(Boolean)) expect(argv.join('\0')).not.toContain(value);
    launch.discard();
    expect(existsSync(dirname(file))).toBe(false);
  });

  it('reaches the program byte for byte, and the launcher deletes the file and its folder before exec', () => {
    const launch = writeLaunchEnv(env);
    const [cmd, ...args] = launch.argv(['/usr/bin/env', '-0']);
    const out = execFileSync(cmd!, args, { env: {}, encoding: 'utf8' });
    const got = Object.fromEntries(
      out
        .split('\0')
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    expect(got).toMatchObject(env);
    expect(existsSync(dirname(args[2]!))).toBe(false);
  });

  it('refuses a variable name sh cannot export', () => {
    expect(() => writeLaunchEnv({ 'BAD-NAME': 'x' })).toThrow(expect.objectContaining({ code: 'MAM_ERR_SESSION' }));
  });
});
