// A hand-written MQTT client, run inside a host's network namespace: publishes each message of the
// JSON file argv[2] ({url, ca, username, password, clientId, messages: [{topic, payload (base64)}]})
// on a connection of its own, QoS 1, and prints one JSON array: true where the broker acknowledged
// it, false where it refused the login or dropped the connection instead.
import { readFileSync } from 'node:fs';
import mqtt from 'mqtt';

const o = JSON.parse(readFileSync(process.argv[2], 'utf8'));

function publishOne(m, i) {
  return new Promise((resolve) => {
    const c = mqtt.connect(o.url, {
      ca: o.ca,
      username: o.username,
      password: o.password,
      clientId: `${o.clientId}${i}`,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      protocolVersion: 4,
    });
    const timer = setTimeout(() => finish(false), 10_000);
    function finish(ok) {
      clearTimeout(timer);
      c.end(true);
      resolve(ok);
    }
    c.on('error', () => {});
    c.on('close', () => finish(false));
    c.on('connect', () => c.publish(m.topic, Buffer.from(m.payload, 'base64'), { qos: 1 }, (err) => finish(!err)));
  });
}

const results = [];
for (const [i, m] of o.messages.entries()) results.push(await publishOne(m, i));
process.stdout.write(`${JSON.stringify(results)}\n`);
