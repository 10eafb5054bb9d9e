import { connectAs } from '../../broker/connect-role.js';
import { loadContext } from '../../core/context.js';
import { openEnvelope } from '../../core/envelope.js';
import { isMamError } from '../../core/errors.js';
import { prefix, topics } from '../../core/topics.js';
import { parseFlags, usage } from '../args.js';
import type { Io } from '../io.js';

function short(body: Record<string, unknown>): string {
  const text = JSON.stringify(body);
  return text.length > 200 ? text.slice(0, 197) + '...' : text;
}

export async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(
    'watch',
    argv,
    { job: { type: 'string' }, state: { type: 'boolean' }, json: { type: 'boolean' }, count: { type: 'string' } },
    false,
  );
  const limit = values.count === undefined ? Infinity : Number(values.count);
  if (!(limit > 0)) throw usage('watch', '--count must be a positive number');
  const ctx = loadContext(io.cwd, io.env);
  const ns = ctx.cfg.namespace;
  const job = values.job ?? '+';
  const filters = [topics.events(ns, job), topics.verdicts(ns, job)];
  if (values.state) filters.push(topics.state(ns, job));
  const client = await connectAs(ctx, 'reader', { reconnectMs: ctx.cfg.broker.reconnectMs });
  let seen = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => (done = r));
  client.mqtt.on('message', (topic, payload) => {
    if (seen >= limit) return;
    const rel = topic.startsWith(prefix(ns) + '/') ? topic.slice(prefix(ns).length + 1) : topic;
    try {
      const { msg, kid } = openEnvelope(ns, topic, payload, ctx.keyring, ctx.cfg.events.maxMessageBytes);
      if (values.json) io.out(JSON.stringify({ verified: true, topic, kid, ...msg }) + '\n');
      else
        io.out(
          `${new Date(msg.ts).toISOString()} ${msg.job} ${msg.type} seq=${msg.seq} gen=${msg.gen} from=${msg.sender} ${short(msg.body)}\n`,
        );
    } catch (err) {
      const code = isMamError(err) ? err.code : 'MAM_ERR_INTERNAL';
      if (values.json) io.out(JSON.stringify({ verified: false, topic, error: code, bytes: payload.length }) + '\n');
      else io.out(`UNVERIFIED ${rel} ${code}: ${(err as Error).message}\n`);
    }
    if (++seen >= limit) done();
  });
  await client.mqtt.subscribeAsync(Object.fromEntries(filters.map((t) => [t, { qos: 1 as const }])));
  if (!values.json)
    io.err(`watching ${filters.map((f) => f.slice(prefix(ns).length + 1)).join(', ')} (Ctrl-C to stop)\n`);
  await Promise.race([
    finished,
    new Promise<void>((r) => io.signal.addEventListener('abort', () => r(), { once: true })),
  ]);
  await client.close();
  return 0;
}
