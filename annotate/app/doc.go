// Package app explains the application protocols that ride on WebSocket
// (and, for Engine.IO, on HTTP long-polling): it turns message payloads
// into typed records that say what the application did.
//
// # Protocols
//
// Each protocol is one file implementing [Protocol]: Socket.IO with
// Engine.IO v3/v4 ([EngineIO]), STOMP 1.0-1.2 ([STOMP]), MQTT 3.1.1 and 5
// ([MQTT]), GraphQL over WebSocket in its two protocols ([GraphQL]),
// JSON-RPC 2.0 ([JSONRPC]) and the SignalR JSON hub protocol ([SignalR]).
// Each type's documentation lists its record types and fields. To add a
// protocol, write a file with a type implementing Protocol (and
// [BodyProtocol] if it travels in HTTP bodies), list it in [Builtin], and
// add its catalog keys "app.<name>.<type>" to the three message catalogs.
//
// # Detection
//
// A connection's protocol is taken from its handshake first: the
// negotiated Sec-WebSocket-Protocol ("subprotocol": mqtt,
// v10.stomp/v11.stomp/v12.stomp, graphql-transport-ws, graphql-ws, names
// with jsonrpc or json-rpc) or the request target ("url": Engine.IO's EIO
// and transport query parameters). Failing that, the first messages are
// sniffed: SignalR's handshake request is recognised for sure
// ("handshake"); anything else is a guess ("heuristic"), and its records
// have Guess set, which pages say.
//
// # Records and links
//
// A [Record] is one application packet: its protocol, its type as the
// protocol's own specification names it, its fields, and links to the
// records it answers, is an attachment of, belongs to. [Loc] says where it
// travelled: a WebSocket message (by index) or an HTTP body (by packet
// number). [Explain] runs every WebSocket message and long-polling body of
// an annotated capture through an [Analyzer].
//
// # Secrets
//
// The Socket.IO CONNECT auth payload, the STOMP passcode, the MQTT password
// and the GraphQL connection_init payload usually hold credentials: they
// are replaced by "<redacted>" (their member names are kept) unless
// Options.Reveal is set.
//
// # Limits
//
// Everything is hostile: JSON nested deeper than 64 levels is not decoded
// (error "json-too-deep", one linear scan), an MQTT packet keeps at most
// Options.MaxPacket bytes whatever its remaining length claims, a STOMP
// frame without its NUL ends at the message's end ("missing-nul"), and the
// ids remembered for links are capped.
package app
