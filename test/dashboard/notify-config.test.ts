/**
 * The notify config section and the webhook secret, at the edge: defaults, one error per problem
 * with its permanent code, and a notifier that refuses to start on a secret that is missing,
 * readable by others, or not whsec_<base64>.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../core/config.js';
import type { Context } from '../../core/context.js';
import { silentLogger } from '../../core/logger.js';
import { createNotifier } from '../../dashboard/server/notify/notifier.js';
import { makeWorkspace, type TestWorkspace } from '../helpers/workspace.js';

const base = { namespace: 'cfg' };
const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
};

describe('notify config', () => {
  it('defaults: no sinks; a sink wants every kind but done, 30 a minute, 5 attempts', () => {
    expect(validateConfig(base, 'config.json').notify).toEqual({ sinks: [] });
    const cfg = validateConfig({ ...base, notify: { sinks: [{ ntfy: { url: 'https://ntfy.sh/t' } }] } }, 'c');
    expect(cfg.notify.sinks[0]).toEqual({
      ntfy: { url: 'https://ntfy.sh/t' },
      events: ['blocked', 'failed', 'escalated', 'approval', 'host-offline', 'breaker-open'],
      rateLimitPerMinute: 30,
      attempts: 5,
      timeoutMs: 10000,
    });
  });

  it('refuses an unknown kind, a sink with two ways or none, two sinks of one name, a URL that is not http(s)', () => {
    const bad = (sinks: unknown[]) => codeOf(() => validateConfig({ ...base, notify: { sinks } }, 'c'));
    expect(bad([{ events: ['exploded'], command: ['true'] }])).toBe('MAM_ERR_CONFIG_INVALID');
    expect(bad([{ command: ['true'], ntfy: { url: 'https://ntfy.sh/t' } }])).toBe('MAM_ERR_CONFIG_INVALID');
    expect(bad([{ events: ['done'] }])).toBe('MAM_ERR_CONFIG_INVALID');
    expect(
      bad([
        { name: 'a', command: ['true'] },
        { name: 'a', command: ['false'] },
      ]),
    ).toBe('MAM_ERR_CONFIG_INVALID');
    expect(bad([{ webhook: { url: 'file:///etc/passwd' } }])).toBe('MAM_ERR_CONFIG_INVALID');
    expect(bad([{ command: [] }])).toBe('MAM_ERR_CONFIG_INVALID');
  });
});

describe('webhook secret', () => {
  let tw: TestWorkspace;
  let ctx: Context;
  beforeAll(async () => {
    tw = await makeWorkspace({ namespace: 'cfg' });
    tw.patchConfig({ notify: { sinks: [{ webhook: { url: 'https://hooks.example/x', secretFile: 'hook.secret' } }] } });
    ctx = tw.context();
  });
  afterAll(() => tw?.cleanup());

  const start = () =>
    codeOf(() =>
      createNotifier({
        ctx,
        reg: () => {
          throw new Error('not read at creation');
        },
        log: silentLogger,
      }),
    );
  const secretFile = () => join(tw.root, 'hook.secret');

  it('is refused when missing, readable by others, or not whsec_<base64 of 24-64 bytes>; accepted at 0600', () => {
    expect(start()).toBe('MAM_ERR_CONFIG_INVALID');
    writeFileSync(secretFile(), `whsec_${Buffer.alloc(32, 7).toString('base64')}\n`, { mode: 0o644 });
    chmodSync(secretFile(), 0o644);
    expect(start()).toBe('MAM_ERR_CONFIG_INVALID');
    chmodSync(secretFile(), 0o600);
    expect(start()).toBeUndefined();
    writeFileSync(secretFile(), `whsec_${Buffer.alloc(8, 7).toString('base64')}\n`);
    expect(start()).toBe('MAM_ERR_CONFIG_INVALID');
    writeFileSync(secretFile(), 'hunter2\n');
    expect(start()).toBe('MAM_ERR_CONFIG_INVALID');
  });

  it('never shows the secret in its error', () => {
    const secret = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    writeFileSync(secretFile(), secret);
    chmodSync(secretFile(), 0o640);
    let message = '';
    try {
      createNotifier({ ctx, reg: () => undefined as never, log: silentLogger });
    } catch (err) {
      message = `${(err as Error).message} ${(err as { hint?: string }).hint}`;
    }
    expect(message).toContain('chmod 600');
    expect(message).not.toContain(secret.slice(6));
  });
});
