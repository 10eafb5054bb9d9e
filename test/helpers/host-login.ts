import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { expect } from 'vitest';
import type { Login } from '../../core/credentials.js';
import type { JoinBundle } from '../../core/host-identity.js';
import { runMam, type TestWorkspace } from './workspace.js';

/** `mam host add` of each host (its name, then its flags) on the admin workspace: each host's broker login from its bundle. */
export async function addHostLogins(tw: TestWorkspace, hosts: string[][]): Promise<Record<string, Login>> {
  const logins: Record<string, Login> = {};
  for (const [h, ...flags] of hosts) {
    const out = join(tw.root, `${h}.json`);
    expect((await runMam(tw, ['host', 'add', h!, ...flags, '--out', out])).exitCode).toBe(0);
    logins[h!] = (JSON.parse(readFileSync(out, 'utf8')) as JoinBundle).login;
  }
  return logins;
}

/** Publishes QoS 1 on a fresh raw connection with `login`: true on PUBACK, false when the broker dropped it instead. */
export function publishWithLogin(
  url: string,
  ca: Buffer,
  login: Login,
  topic: string,
  payload: Buffer | string,
): Promise<boolean> {
  return new Promise((resolve) => {
    const c = mqtt.connect(url, {
      ca,
      ...login,
      clientId: `mam-host-${Math.random().toString(16).slice(2, 10)}`,
      reconnectPeriod: 0,
      protocolVersion: 4,
    });
    c.on('error', () => {});
    c.on('close', () => resolve(false));
    c.on('connect', () =>
      c.publish(topic, payload, { qos: 1 }, (err) => {
        c.end(true);
        resolve(!err);
      }),
    );
  });
}
