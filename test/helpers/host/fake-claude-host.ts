import { join } from 'node:path';
import { packageRoot } from '../../../core/package-root.js';
import { startHost } from './index.js';

/** The fake Claude Code (test/fixtures/fake-claude.mjs), driven through the claude adapter's screens. */
export const FAKE_CLAUDE = join(packageRoot(), 'test', 'fixtures', 'fake-claude.mjs');

/**
 * A host whose `claude` agent is the fake, with a kill grace long enough for its exit keys. The
 * fake reads its knobs (FAKE_LOG, FAKE_ON_PROMPT …) from `.fake.json` in its workdir at its start.
 */
export function startFakeClaudeHost() {
  return startHost({
    killGraceMs: 1500,
    config: { sessions: { isolation: 'none' } },
    agents: () => ({ claude: { bin: FAKE_CLAUDE, readyTimeoutMs: 20_000 } }),
  });
}
