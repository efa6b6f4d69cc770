// The aedes MQTT broker behind websocket-stream and an mqtt.js client over
// WebSocket (MQTT 3.1.1; aedes has no MQTT 5): the client connects with a
// password and a will, subscribes, publishes at QoS 0, 1 and 2 and a payload
// larger than a WebSocket frame, and pings. Then MQTT 5 packets as mqtt.js's
// packet writer (mqtt-packet) makes them. Each side logs what it received,
// one JSON object a line.
const http = require('http');
const websocketStream = require('websocket-stream');
const { Aedes } = require('aedes');
const mqtt = require('mqtt');

const port = Number(process.argv[2]);
const log = (o) => process.stdout.write(JSON.stringify(o) + '\n');

async function main() {
  const broker = await Aedes.createBroker();
  const server = http.createServer();
  websocketStream.createServer({ server }, broker.handle);
  broker.authenticate = (client, username, password, done) => {
    log({ side: 'server', ev: 'CONNECT', client_id: client.id, username, password: password && password.toString() });
    done(null, true);
  };
  broker.on('subscribe', (subs, client) => log({ side: 'server', ev: 'SUBSCRIBE', client_id: client.id, topics: subs.map((s) => s.topic), qos: subs.map((s) => s.qos) }));
  broker.on('publish', (packet, client) => {
    if (client) log({ side: 'server', ev: 'PUBLISH', client_id: client.id, topic: packet.topic, qos: packet.qos, bytes: packet.payload.length, payload: packet.payload.length < 100 ? packet.payload.toString() : undefined });
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  const url = `ws://127.0.0.1:${port}`;
  const big = 'x'.repeat(70000);
  for (const version of [4]) { // aedes speaks MQTT 3.1.1 only
    const c = mqtt.connect(url, {
      protocolVersion: version, clientId: 'c' + version, username: 'u' + version, password: 'secret-password',
      keepalive: 1, will: { topic: 'chat/will', payload: 'gone', qos: 0 }, reconnectPeriod: 0,
    });
    await new Promise((r) => c.once('connect', (ack) => { log({ side: 'client', ev: 'CONNACK', client_id: 'c' + version, session_present: ack.sessionPresent }); r(); }));
    c.on('message', (topic, payload, packet) => log({ side: 'client', ev: 'PUBLISH', client_id: 'c' + version, topic, qos: packet.qos, bytes: payload.length, payload: payload.length < 100 ? payload.toString() : undefined }));
    const granted = await c.subscribeAsync('chat/#', { qos: 2 });
    log({ side: 'client', ev: 'SUBACK', client_id: 'c' + version, qos: granted.map((g) => g.qos) });
    await c.publishAsync('chat/room1', 'hi, all ！', { qos: 0 });
    await c.publishAsync('chat/room1', 'qos one', { qos: 1 });
    await c.publishAsync('chat/room1', 'qos two', { qos: 2 });
    await c.publishAsync('chat/big', big, { qos: 1 });
    await new Promise((r) => setTimeout(r, 1200)); // a keep-alive ping at 1 s
    await c.endAsync();
  }
  // MQTT 5 packets as mqtt.js's own packet writer (mqtt-packet) makes them,
  // hex-encoded, for the parser to read back.
  const generate = require('mqtt-packet').generate;
  const v5 = [
    { cmd: 'connect', protocolVersion: 5, clientId: 'c5', keepalive: 30, clean: true, username: 'u5', password: Buffer.from('secret-password'),
      properties: { sessionExpiryInterval: 60, receiveMaximum: 10 }, will: { topic: 'chat/will', payload: Buffer.from('gone'), qos: 1, retain: true, properties: { willDelayInterval: 5 } } },
    { cmd: 'connack', sessionPresent: true, reasonCode: 0, properties: { topicAliasMaximum: 10 } },
    { cmd: 'subscribe', messageId: 7, properties: { subscriptionIdentifier: 3 }, subscriptions: [{ topic: 'chat/#', qos: 1 }, { topic: 'news', qos: 2 }] },
    { cmd: 'suback', messageId: 7, granted: [1, 0x87] },
    { cmd: 'publish', topic: 'chat/room1', payload: Buffer.from('hi, all ！'), qos: 2, messageId: 8, retain: false, dup: false, properties: { contentType: 'text/plain', userProperties: { a: 'b' } } },
    { cmd: 'pubrec', messageId: 8, reasonCode: 0x10 },
    { cmd: 'pubrel', messageId: 8 },
    { cmd: 'pubcomp', messageId: 8 },
    { cmd: 'disconnect', reasonCode: 0x8e, properties: { reasonString: 'taken over' } },
  ];
  for (const p of v5) log({ side: 'mqtt-packet', ev: p.cmd.toUpperCase(), hex: generate(p, { protocolVersion: 5 }).toString('hex'), packet: { ...p, payload: p.payload && p.payload.toString(), password: undefined, will: undefined } });
  process.exit(0);
}
main().catch((e) => { console.error(e); process.exit(1); });
