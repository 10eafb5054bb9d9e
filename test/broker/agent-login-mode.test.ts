import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newClientId } from '../../broker/client-ids.js';
import { saveCredentialFile, sharedAgentLogin } from '../../core/credentials.js';
import { connectError, tryConnect } from '../helpers/mesh.js';
import { makeWorkspace, startBroker, type TestWorkspace } from '../helpers/workspace.js';

// The shared `agent` login may publish to every job's events topic: it exists only when asked for.
describe.each(['per-job', 'shared'] as const)('the agent login with broker.agentLogin = %s', (mode) => {
  let tw: TestWorkspace;
  let broker: Awaited<ReturnType<typeof startBroker>>;
  // What every workspace's credentials.json held before: a stored shared agent login.
  const OLD = { username: 'agent', password: 'the-old-shared-agent-password' };

  beforeAll(async () => {
    tw = await makeWorkspace({ namespace: 'alm' });
    tw.patchConfig({ broker: { agentLogin: mode } });
    const ctx = tw.context();
    saveCredentialFile(ctx.ws.credentials, { ...ctx.creds, agent: OLD });
    broker = await startBroker(tw);
  });
  afterAll(async () => {
    await broker?.close();
    tw?.cleanup();
  });

  it(mode === 'per-job' ? 'refuses it (CONNACK 4)' : 'accepts it', async () => {
    const ctx = tw.context();
    const r = await tryConnect(broker.url, { ca: ctx.endpoint.ca, ...OLD, clientId: newClientId('agent') });
    expect(r.connected).toBe(mode === 'shared');
    if (mode === 'per-job') expect(r.error?.code).toBe(4);
  });

  it('never creates a shared agent login in a new workspace', async () => {
    const fresh = await makeWorkspace({ namespace: 'alm2' });
    try {
      expect(fresh.context().creds.agent).toBeUndefined();
    } finally {
      fresh.cleanup();
    }
  });

  if (mode === 'per-job') {
    it('refuses the derived shared login too', async () => {
      const ctx = tw.context();
      const derived = { ...sharedAgentLogin({ ...ctx.creds, agent: undefined }) };
      const err = await connectError({ url: broker.url, ca: ctx.endpoint.ca, ...derived });
      expect(err.code).toBe('MAM_ERR_BROKER_REFUSED');
    });
  }
});
