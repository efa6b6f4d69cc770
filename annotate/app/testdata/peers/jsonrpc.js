// rpc-websockets (a JSON-RPC 2.0 server and client over the npm ws package):
// the client calls a method, calls one that does not exist, sends a
// notification, and subscribes to an event the server then emits. Each side
// logs what it received, one JSON object a line.
const { Server, Client } = require('rpc-websockets');

const port = Number(process.argv[2]);
const log = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const server = new Server({ host: '127.0.0.1', port });
server.register('sum', (params) => { log({ side: 'server', ev: 'request', method: 'sum', params }); return params[0] + params[1]; });
server.register('log', (params) => { log({ side: 'server', ev: 'notification', method: 'log', params }); });
server.event('said');

server.on('listening', () => {
  const client = new Client(`ws://127.0.0.1:${port}`);
  client.on('open', async () => {
    const sum = await client.call('sum', [42, 23]);
    log({ side: 'client', ev: 'response', method: 'sum', result: sum });
    try {
      await client.call('nope', []);
    } catch (e) {
      log({ side: 'client', ev: 'error', method: 'nope', code: e.code, message: e.message });
    }
    await client.notify('log', ['hi, all ！']);
    client.on('said', (v) => {
      log({ side: 'client', ev: 'notification', method: 'said', params: v });
      client.close();
      setTimeout(() => process.exit(0), 200);
    });
    await client.subscribe('said');
    server.emit('said', { from: 'mynick', text: 'hi, all ！' });
  });
});
