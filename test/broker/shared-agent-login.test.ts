import { describe, expect, it } from 'vitest';
import { topics } from '../../core/topics.js';
import { grantedFor, useBrokerSuite } from '../helpers/mesh.js';

// The shared agent login (broker.agentLogin = "shared", for external brokers that cannot check
// per-job passwords) may use job event, verdict and state topics of any job — and nothing else.
describe('the shared agent login on the embedded broker', () => {
  const NS = 'shared';
  const suite = useBrokerSuite(NS, { config: { broker: { agentLogin: 'shared' } } });

  it('publishes events and verdicts of any job', async () => {
    expect(await suite.publishes('agent', topics.events(NS, 'A'), '{}')).toBe(true);
    expect(await suite.publishes('agent', topics.events(NS, 'B'), '{}')).toBe(true);
    expect(await suite.publishes('agent', topics.verdicts(NS, 'B'), '{}')).toBe(true);
  });

  it('never publishes state, output, control or status, nor outside the namespace', async () => {
    for (const topic of [
      topics.state(NS, 'A'),
      topics.output(NS, 'A'),
      topics.control(NS, 'h1'),
      topics.status(NS, 'h1'),
      topics.events('other', 'A'),
    ]) {
      expect(await suite.publishes('agent', topic, '{}'), topic).toBe(false);
    }
  });

  it('subscribes to a job state, never to wildcards', async () => {
    const c = await suite.connect('agent');
    expect(await grantedFor(c, topics.state(NS, 'A'))).toBe(1);
    expect(await grantedFor(c, '#')).toBe(128);
    expect(await grantedFor(c, topics.allStates(NS))).toBe(128);
  });
});
