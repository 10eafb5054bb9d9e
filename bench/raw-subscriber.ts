/**
 * The baseline subscriber for reconcile-throughput, run as its own process
 * like the reconciler: one QoS 1 wildcard subscription that only counts.
 * Its session is persistent (clean: false, fixed client id), the delivery
 * contract the reconciler has: the broker keeps each message until its PUBACK.
 * Input: BENCH_RAW_SUBSCRIBER = {url, caFile, username, password, filter, expect, timeoutMs}.
 * Prints `ready` once subscribed, then {"count", "doneAt", "cpuMs"} and exits:
 * doneAt is Date.now() at the last message, cpuMs the CPU time spent since `ready`.
 */
import { readFileSync } from 'node:fs';
import { connectClient } from '../broker/client.js';
import { newClientId } from '../broker/client-ids.js';

interface Input {
  url: string;
  caFile: string;
  username: string;
  password: string;
  filter: string;
  expect: number;
  timeoutMs: number;
}

async function main(): Promise<number> {
  const input = JSON.parse(process.env.BENCH_RAW_SUBSCRIBER ?? '{}') as Input;
  const client = await connectClient({
    url: input.url,
    ca: readFileSync(input.caFile),
    username: input.username,
    password: input.password,
    reconnectMs: 0,
    clean: false,
    clientId: newClientId(input.username),
  });
  let count = 0;
  let finished: (doneAt: number | null) => void = () => {};
  const result = new Promise<number | null>((r) => (finished = r));
  client.mqtt.on('message', () => {
    if (++count === input.expect) finished(Date.now());
  });
  await client.mqtt.subscribeAsync(input.filter, { qos: 1 });
  const cpu0 = process.cpuUsage();
  process.stdout.write('ready\n');
  const timer = setTimeout(() => finished(null), input.timeoutMs);
  const doneAt = await result;
  clearTimeout(timer);
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(JSON.stringify({ count, doneAt, cpuMs: (cpu.user + cpu.system) / 1000 }) + '\n');
  await client.close();
  return doneAt === null ? 1 : 0;
}

main().then(
  (code) => process.stdout.write('', () => process.exit(code)),
  (err) => {
    process.stderr.write(`raw-subscriber: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
