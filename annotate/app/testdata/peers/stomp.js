// stomp-broker-js (a STOMP broker on a Node http server) and @stomp/stompjs:
// two clients connect with a passcode and heart-beats; one subscribes, the
// other sends with a receipt; the first receives the message; both disconnect. Each side logs
// what it received, one JSON object a line.
const http = require('http');
const WebSocket = require('ws');
const StompServer = require('stomp-broker-js');
const { Client } = require('@stomp/stompjs');

const port = Number(process.argv[2]);
const log = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const server = http.createServer();
const broker = new StompServer({ server, path: '/stomp', heartbeat: [200, 200] });
broker.on('connected', (id, headers) => log({ side: 'server', ev: 'CONNECT', headers }));
broker.on('subscribe', (sub) => log({ side: 'server', ev: 'SUBSCRIBE', id: sub.id, destination: sub.topic }));
broker.on('send', (ev) => log({ side: 'server', ev: 'SEND', destination: ev.dest, body: ev.frame.body }));

let disconnected = 0;
broker.on('disconnected', () => {
  log({ side: 'server', ev: 'DISCONNECT' });
  if (++disconnected === 2) setTimeout(() => process.exit(0), 200);
});

function client(name, onConnect) {
  const url = `ws://127.0.0.1:${port}/stomp`;
  const c = new Client({
    webSocketFactory: () => new WebSocket(url, ['v12.stomp', 'v11.stomp', 'v10.stomp']),
    connectHeaders: { login: name, passcode: 'secret-passcode' },
    heartbeatIncoming: 0,
    heartbeatOutgoing: 200,
    reconnectDelay: 0,
  });
  c.onConnect = (frame) => {
    log({ side: 'client', ev: 'CONNECTED', headers: frame.headers });
    onConnect(c);
  };
  c.onUnhandledReceipt = (f) => log({ side: 'client', ev: 'RECEIPT', receipt_id: f.headers['receipt-id'] });
  c.onStompError = (f) => log({ side: 'client', ev: 'ERROR', headers: f.headers, body: f.body });
  c.activate();
  return c;
}

server.listen(port, '127.0.0.1', () => {
  client('listener', (listener) => {
    listener.subscribe('/topic/chat', (msg) => {
      log({ side: 'client', ev: 'MESSAGE', destination: msg.headers.destination, subscription: msg.headers.subscription, body: msg.body });
    }, { id: 'sub-0' });
    setTimeout(() => client('mynick', (me) => {
      me.publish({ destination: '/topic/chat', body: 'hi, all ！', headers: { receipt: 'r-1' } });
      setTimeout(() => { me.deactivate(); listener.deactivate(); }, 700); // heart-beats meanwhile
    }), 100);
  });
});
