import { JOB_STATES } from '../../subscriber/state-machine.js';
import { isWaiting } from '../../subscriber/scheduler/scheduler.js';
import { queuePositions } from '../../subscriber/scheduler/queue-position.js';
import { parseFlags, usage } from '../args.js';
import type { Io } from '../io.js';
import { ago, agingMs, openRegistryReadOnly } from '../open-registry.js';
import { displayState, offlineHosts } from '../host-offline.js';

export async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags('jobs', argv, { state: { type: 'string' }, json: { type: 'boolean' } }, false);
  if (values.state && !(JOB_STATES as readonly string[]).includes(values.state)) {
    throw usage('jobs', `unknown state "${values.state}" (one of ${JOB_STATES.join(', ')})`);
  }
  const reg = openRegistryReadOnly(io);
  try {
    const jobs = reg.listJobs({ state: values.state });
    const waiting = jobs.filter(isWaiting);
    const position = waiting.length
      ? queuePositions(
          reg,
          waiting.map((j) => j.host),
          agingMs(io),
        )
      : new Map<string, number>();
    const offline = offlineHosts(reg);
    if (values.json) {
      io.out(
        JSON.stringify(
          jobs.map(({ spec, ...j }) => ({
            ...j,
            spec: JSON.parse(spec),
            queuePosition: position.get(j.id) ?? null,
            // state stays the last one known; display says when its host is offline
            display: displayState(j, offline),
          })),
        ) + '\n',
      );
      return 0;
    }
    if (jobs.length === 0) io.out('no jobs\n');
    for (const j of jobs) {
      const place = position.has(j.id) ? ` #${position.get(j.id)} p${j.priority}` : '';
      const shown = displayState(j, offline);
      const last = shown === j.state ? '' : `  (last state ${j.state})`;
      io.out(
        `${j.id.padEnd(24)} ${shown.padEnd(10)} gen=${j.gen} host=${j.host} agent=${j.agent ?? '-'}${place} updated ${ago(j.updated_at)}${last}${j.reason ? `  (${j.reason})` : ''}\n`,
      );
    }
    return 0;
  } finally {
    reg.close();
  }
}
