// graphql-ws (server on the npm ws package, and its client): the client
// connects with a token, runs a subscription, a query and a failing query,
// and leaves; a raw ws client then subscribes before connection_init and is
// closed with 4401. Each side logs what it received, one JSON object a line.
const http = require('http');
const WebSocket = require('ws');
const { useServer } = require('graphql-ws/use/ws');
const { createClient } = require('graphql-ws');
const { GraphQLSchema, GraphQLObjectType, GraphQLString } = require('graphql');

const port = Number(process.argv[2]);
const log = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({ name: 'Query', fields: { hello: { type: GraphQLString, resolve: () => 'world' } } }),
  subscription: new GraphQLObjectType({
    name: 'Subscription',
    fields: {
      greetings: {
        type: GraphQLString,
        subscribe: async function* () { for (const hi of ['Hi', 'Bonjour', 'Hola']) yield { greetings: hi }; },
      },
    },
  }),
});
const server = http.createServer();
const wss = new WebSocket.Server({ server, path: '/graphql' });
useServer({
  schema,
  onConnect: (ctx) => { log({ side: 'server', ev: 'connection_init', payload: ctx.connectionParams }); },
  onSubscribe: (ctx, id, payload) => { log({ side: 'server', ev: 'subscribe', id, query: payload.query }); },
  onComplete: (ctx, id) => { log({ side: 'server', ev: 'complete', id }); },
}, wss);

function run(client, query) {
  return new Promise((resolve) => {
    client.subscribe({ query }, {
      next: (v) => log({ side: 'client', ev: 'next', query, payload: v }),
      error: (e) => { log({ side: 'client', ev: 'error', query, payload: e }); resolve(); },
      complete: () => { log({ side: 'client', ev: 'complete', query }); resolve(); },
    });
  });
}

server.listen(port, '127.0.0.1', async () => {
  const url = `ws://127.0.0.1:${port}/graphql`;
  const client = createClient({ url, webSocketImpl: WebSocket, connectionParams: { authToken: 'secret-token' }, lazy: false });
  await run(client, 'subscription { greetings }');
  await run(client, '{ hello }');
  await run(client, '{ nope }');
  await client.dispose();
  const raw = new WebSocket(url, 'graphql-transport-ws');
  raw.on('open', () => raw.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '{ hello }' } })));
  raw.on('close', (code, reason) => {
    log({ side: 'client', ev: 'close', code, reason: reason.toString() });
    setTimeout(() => process.exit(0), 100);
  });
});
