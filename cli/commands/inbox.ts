import { parseFlags } from '../args.js';
import type { Io } from '../io.js';
import { ago, openRegistryReadOnly } from '../open-registry.js';

// A reason can come from an agent (its job.blocked): no terminal control sequence reaches the screen.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]+/g;

export async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags('inbox', argv, { json: { type: 'boolean' } }, false);
  const reg = openRegistryReadOnly(io);
  try {
    const now = Date.now();
    const open = reg.openEscalations();
    if (values.json) {
      io.out(
        JSON.stringify(
          open.map((e) => ({
            job: e.job,
            host: e.host,
            kind: e.kind,
            reason: e.reason,
            command: e.command,
            state: e.state,
            createdAt: e.created_at,
            ageMs: now - e.created_at,
          })),
        ) + '\n',
      );
      return 0;
    }
    if (open.length === 0) {
      io.out('nothing needs a person\n');
      return 0;
    }
    for (const e of open) {
      io.out(
        `${e.job.padEnd(24)} ${e.kind.padEnd(18)} host=${e.host} ${ago(e.created_at)}  ${e.reason.replace(CONTROL, ' ')}\n`,
      );
      io.out(`${''.padEnd(24)} → ${e.command}\n`);
    }
    return 0;
  } finally {
    reg.close();
  }
}
