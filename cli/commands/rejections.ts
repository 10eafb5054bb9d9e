import { parseFlags, usage } from '../args.js';
import type { Io } from '../io.js';
import { ago, openRegistryReadOnly } from '../open-registry.js';

export async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(
    'rejections',
    argv,
    { job: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
    false,
  );
  const limit = values.limit ? Number(values.limit) : 50;
  if (!Number.isInteger(limit) || limit < 1) throw usage('rejections', '--limit must be a positive whole number');
  const reg = openRegistryReadOnly(io);
  try {
    const rows = reg.listRejections({ job: values.job, limit });
    if (values.json) {
      io.out(
        JSON.stringify({
          counts: reg.countRejections(),
          rejections: rows.map(({ raw, ...r }) => ({ ...r, raw: raw?.toString('base64') ?? null })),
        }) + '\n',
      );
      return 0;
    }
    if (rows.length === 0) io.out('no rejected messages\n');
    for (const r of rows) {
      io.out(
        `${ago(r.at).padEnd(8)} ${r.reason.padEnd(18)} job=${r.job ?? '?'} sender=${r.sender ?? '?'} seq=${r.seq ?? '?'}  ${r.detail ?? ''}\n`,
      );
    }
    return 0;
  } finally {
    reg.close();
  }
}
