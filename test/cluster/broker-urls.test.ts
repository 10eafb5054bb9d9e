import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerUrl, loadConfig } from '../../core/config.js';
import { resolveEndpoint } from '../../core/endpoint.js';
import { isMamError } from '../../core/errors.js';
import { workspaceAt } from '../../core/workspace.js';
import { makeWorkspace, type TestWorkspace } from '../helpers/workspace.js';

let tw: TestWorkspace;
beforeAll(async () => {
  tw = await makeWorkspace({ namespace: 'urls' });
});
afterAll(() => tw?.cleanup());

const nodes = ['mqtts://10.0.0.1:8883', 'mqtts://10.0.0.2:8883'];

describe('broker.urls', () => {
  it('lists the nodes for every client, ahead of broker.url and of a running broker’s run file', () => {
    tw.patchConfig({ broker: { url: 'mqtts://other:1', urls: nodes } });
    const cfg = loadConfig(workspaceAt(tw.root), {});
    expect(cfg.broker.urls).toEqual(nodes);
    expect(brokerUrl(cfg)).toBe(nodes.join(','));
    expect(resolveEndpoint(workspaceAt(tw.root), cfg).url).toBe(nodes.join(','));
  });

  it('reaches agent sessions as a comma-separated MAM_BROKER_URL', () => {
    tw.patchConfig({ broker: { urls: ['mqtts://127.0.0.1:1'] } });
    const cfg = loadConfig(workspaceAt(tw.root), { MAM_BROKER_URL: nodes.join(',') });
    expect(cfg.broker.urls).toEqual(nodes);
  });

  it('refuses a node that is not mqtts://host:port, naming the setting', () => {
    tw.patchConfig({ broker: { urls: ['mqtts://10.0.0.1:8883', 'mqtt://10.0.0.2:1883'] } });
    let err: unknown;
    try {
      loadConfig(workspaceAt(tw.root), {});
    } catch (e) {
      err = e;
    }
    expect(isMamError(err, 'CONFIG_INVALID'), String(err)).toBe(true);
    expect(String((err as Error).message)).toMatch(/broker\/urls\/1|broker\.urls/);
  });

  it('refuses a cluster that is not a redis:// URL in the config', () => {
    tw.patchConfig({ broker: { urls: nodes, cluster: 'http://10.0.0.5:6379' } });
    expect(() => loadConfig(workspaceAt(tw.root), {})).toThrow(/cluster/);
  });
});
