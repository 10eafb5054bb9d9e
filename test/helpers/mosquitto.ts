import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import type { Login } from '../../core/credentials.js';
import type { Workspace } from '../../core/workspace.js';

/** Debian installs the broker in /usr/sbin, often outside a non-root PATH; Homebrew in its own sbin. */
const SEARCH = ['/usr/sbin', '/usr/local/sbin', '/opt/homebrew/sbin'];

function findExecutable(name: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), ...SEARCH]) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

export const MOSQUITTO = findExecutable('mosquitto');
export const MOSQUITTO_PASSWD = findExecutable('mosquitto_passwd');

export interface RunningMosquitto {
  port: number;
  url: string;
  /** what mosquitto wrote to stderr, for failure messages */
  log(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

async function waitForPort(port: number, proc: ChildProcess, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (proc.exitCode !== null) throw new Error(`mosquitto exited with ${proc.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (open) return;
    await sleep(50);
  }
  throw new Error(`mosquitto did not listen on ${port} within ${deadlineMs} ms`);
}

/**
 * A real Mosquitto on loopback with the workspace's TLS files and a password
 * file holding `logins`, sized for the mesh (deep queues, no inflight cap).
 */
export async function startMosquitto(
  ws: Workspace,
  logins: Login[],
  maxPacketBytes: number,
  opts: { persistence?: boolean; extra?: (dir: string) => string[] } = {},
): Promise<RunningMosquitto> {
  if (!MOSQUITTO || !MOSQUITTO_PASSWD)
    throw new Error('mosquitto and mosquitto_passwd must be installed (apt-get install mosquitto)');
  const dir = mkdtempSync(join(tmpdir(), 'mam-mosquitto-'));
  const passwords = join(dir, 'passwd');
  for (const [i, l] of logins.entries()) {
    await execa(MOSQUITTO_PASSWD, [...(i === 0 ? ['-c'] : []), '-b', passwords, l.username, l.password]);
  }
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      // Run as ourselves: as root, mosquitto would drop to a user that cannot read the 0600 keys.
      `user ${userInfo().username}`,
      ...(opts.persistence ? ['persistence true', `persistence_location ${dir}/`] : ['persistence false']),
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      `listener ${port} 127.0.0.1`,
      `cafile ${ws.caCert}`,
      `certfile ${ws.serverCert}`,
      `keyfile ${ws.serverKey}`,
      'tls_version tlsv1.2',
      'allow_anonymous false',
      `password_file ${passwords}`,
      'max_queued_messages 100000',
      'max_inflight_messages 0',
      `max_packet_size ${maxPacketBytes}`,
      ...(opts.extra?.(dir) ?? []),
      '',
    ].join('\n'),
  );
  const proc = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await Promise.race([exited, sleep(3000).then(() => proc.kill('SIGKILL'))]);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, proc, 10_000);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${stderr}`);
  }
  return { port, url: `mqtts://127.0.0.1:${port}`, log: () => stderr, stop };
}
