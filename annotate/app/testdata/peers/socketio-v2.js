// Socket.IO 2 (Engine.IO v3, EIO=3) server and socket.io-client 2 in Node:
// long-polling with length-prefixed payloads, the upgrade, events with and
// without acknowledgements, binary attachments both ways, client pings, and
// a refused namespace. Every side logs what it received, one JSON object a
// line.
const http = require('http');
const ioServer = require('socket.io-v2');
const connect = require('socket.io-client-v2');

const port = Number(process.argv[2]);
const log = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const httpServer = http.createServer();
const io = ioServer(httpServer, { pingInterval: 300, pingTimeout: 2000 });
io.of('/admin').use((socket, next) => next(new Error('not authorized')));
io.on('connection', (socket) => {
  log({ side: 'server', ev: 'connection', id: socket.id, eio: socket.conn.id });
  socket.on('login', (data, ack) => {
    log({ side: 'server', ev: 'event', name: 'login', args: [data] });
    ack({ ok: true, id: socket.id });
    io.emit('users', ['mynick']);
  });
  socket.on('say', (text) => {
    log({ side: 'server', ev: 'event', name: 'say', args: [text] });
    io.emit('said', { from: 'mynick', text });
    socket.emit('question', 'ready?', (answer) => log({ side: 'server', ev: 'ack', name: 'question', args: [answer] }));
  });
  socket.on('file', (buf) => log({ side: 'server', ev: 'binary', name: 'file', bytes: buf.length }));
  socket.on('getfile', (ack) => {
    log({ side: 'server', ev: 'event', name: 'getfile', args: [] });
    ack(Buffer.from([9, 8, 7]));
  });
  socket.on('disconnect', (reason) => {
    log({ side: 'server', ev: 'disconnect', reason });
    setTimeout(() => { io.close(); process.exit(0); }, 200);
  });
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
httpServer.listen(port, '127.0.0.1', () => {
  const s = connect(`http://127.0.0.1:${port}`);
  s.on('users', (u) => log({ side: 'client', ev: 'event', name: 'users', args: [u] }));
  s.on('said', (m) => log({ side: 'client', ev: 'event', name: 'said', args: [m] }));
  s.on('question', (q, ack) => {
    log({ side: 'client', ev: 'event', name: 'question', args: [q] });
    ack('yes');
  });
  s.once('connect', async () => {
    log({ side: 'client', ev: 'connect', id: s.id, eio: s.io.engine.id });
    const reply = await new Promise((r) => s.emit('login', { name: 'mynick' }, r));
    log({ side: 'client', ev: 'ack', name: 'login', args: [reply] });
    if (s.io.engine.transport.name !== 'websocket') {
      await new Promise((r) => s.io.engine.once('upgrade', r));
    }
    log({ side: 'client', ev: 'upgrade' });
    s.emit('say', 'hi, all ！');
    s.emit('file', Buffer.from([0, 1, 2, 3, 255]));
    const buf = await new Promise((r) => s.emit('getfile', r));
    log({ side: 'client', ev: 'binary-ack', name: 'getfile', bytes: buf.length });
    const admin = connect(`http://127.0.0.1:${port}/admin`);
    await new Promise((r) => admin.once('error', (err) => {
      log({ side: 'client', ev: 'connect_error', nsp: '/admin', message: err });
      r();
    }));
    await sleep(800); // a few pings at 300 ms
    s.close();
  });
});
