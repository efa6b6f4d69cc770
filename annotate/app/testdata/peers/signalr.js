// The ASP.NET Core SignalR client (@microsoft/signalr) over WebSocket. No
// SignalR server ships on npm, so a small ws server stands in for the hub:
// every hub message it sends is written by the client library's own
// JsonHubProtocol; it only chooses which to send.
// The client invokes a method, sends one without waiting, reads a stream,
// receives a server invocation and keep-alive pings. Each side logs what it
// received, one JSON object a line.
const { WebSocketServer } = require('ws');
const signalR = require('@microsoft/signalr');

const port = Number(process.argv[2]);
const log = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const proto = new signalR.JsonHubProtocol();
const wss = new WebSocketServer({ host: '127.0.0.1', port, path: '/hub' });
wss.on('connection', (ws) => {
  let shook = false;
  ws.on('message', (data) => {
    const text = data.toString();
    if (!shook) {
      shook = true;
      log({ side: 'server', ev: 'handshake', request: JSON.parse(text.replace('\x1e', '')) });
      ws.send('{}\x1e');
      ws.send(proto.writeMessage({ type: signalR.MessageType.Invocation, target: 'said', arguments: [{ from: 'mynick', text: 'hi, all ！' }] }));
      return;
    }
    // The client library parses only what a client receives: the stand-in
    // reads the client's messages as plain JSON records.
    for (const m of text.split('\x1e').filter((x) => x).map((x) => JSON.parse(x))) {
      log({ side: 'server', ev: 'message', type: m.type, target: m.target, invocationId: m.invocationId, arguments: m.arguments });
      if (m.type === signalR.MessageType.Invocation && m.invocationId) {
        ws.send(proto.writeMessage({ type: signalR.MessageType.Completion, invocationId: m.invocationId, result: m.arguments[0] + m.arguments[1] }));
      }
      if (m.type === signalR.MessageType.StreamInvocation) {
        for (let i = 1; i <= m.arguments[0]; i++) {
          ws.send(proto.writeMessage({ type: signalR.MessageType.StreamItem, invocationId: m.invocationId, item: i }));
        }
        ws.send(proto.writeMessage({ type: signalR.MessageType.Completion, invocationId: m.invocationId }));
      }
    }
  });
});

wss.on('listening', async () => {
  const c = new signalR.HubConnectionBuilder()
    .withUrl(`http://127.0.0.1:${port}/hub`, { skipNegotiation: true, transport: signalR.HttpTransportType.WebSockets })
    .withKeepAliveInterval(200)
    .configureLogging(signalR.LogLevel.None)
    .build();
  c.on('said', (m) => log({ side: 'client', ev: 'Invocation', target: 'said', arguments: [m] }));
  await c.start();
  const sum = await c.invoke('Add', 40, 2);
  log({ side: 'client', ev: 'Completion', target: 'Add', result: sum });
  await c.send('Log', 'hi, all ！');
  await new Promise((resolve) => c.stream('Counter', 2).subscribe({
    next: (i) => log({ side: 'client', ev: 'StreamItem', target: 'Counter', item: i }),
    complete: resolve,
    error: resolve,
  }));
  await new Promise((r) => setTimeout(r, 500)); // keep-alive pings at 200 ms
  await c.stop();
  setTimeout(() => process.exit(0), 200);
});
