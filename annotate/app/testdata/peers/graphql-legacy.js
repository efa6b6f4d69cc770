// subscriptions-transport-ws (the "graphql-ws" subprotocol of Apollo's
// older server and client) over the npm ws package: the client connects
// with a token, runs a subscription and a failing query, and leaves. Each
// side logs what it received, one JSON object a line.
const http = require('http');
const WebSocket = require('ws');
const { SubscriptionServer, SubscriptionClient } = require('subscriptions-transport-ws');
const { GraphQLSchema, GraphQLObjectType, GraphQLString, execute, subscribe } = require('graphql');

const port = Number(process.argv[2]);
const log = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({ name: 'Query', fields: { hello: { type: GraphQLString, resolve: () => 'world' } } }),
  subscription: new GraphQLObjectType({
    name: 'Subscription',
    fields: {
      greetings: {
        type: GraphQLString,
        subscribe: async function* () { for (const hi of ['Hi', 'Bonjour']) yield { greetings: hi }; },
      },
    },
  }),
});
const server = http.createServer();
SubscriptionServer.create({
  schema, execute, subscribe, keepAlive: 200,
  onConnect: (params) => { log({ side: 'server', ev: 'connection_init', payload: params }); return true; },
  onOperation: (msg, params) => { log({ side: 'server', ev: 'start', id: msg.id, query: msg.payload.query }); return params; },
}, { server, path: '/graphql' });

function run(client, query) {
  return new Promise((resolve) => {
    client.request({ query }).subscribe({
      next: (v) => log({ side: 'client', ev: v.errors ? 'error' : 'data', query, payload: v }),
      error: (e) => { log({ side: 'client', ev: 'error', query, payload: e }); resolve(); },
      complete: () => { log({ side: 'client', ev: 'complete', query }); resolve(); },
    });
  });
}

server.listen(port, '127.0.0.1', async () => {
  const client = new SubscriptionClient(`ws://127.0.0.1:${port}/graphql`, { connectionParams: { authToken: 'secret-token' } }, WebSocket);
  await run(client, 'subscription { greetings }');
  await run(client, '{ nope }');
  await new Promise((r) => setTimeout(r, 500)); // keep-alives at 200 ms
  client.close();
  setTimeout(() => process.exit(0), 200);
});
