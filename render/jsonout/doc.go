// Package jsonout writes an annotated capture as one JSON document, the
// output of `wstrace render --format json FILE`, or as JSON lines, one
// record per line (`--format jsonl`).
//
// The document is stable: field names and meanings of version 1 never
// change; new fields may be added. Every field listed here is always present
// (null where the text says so). Packet numbers count from 1 in capture
// order; connection IDs count from 1 (0 means "no connection"); frame and
// message indexes count from 0 and are positions in "frames" and
// "messages". Times are UTC, RFC 3339 with nanoseconds.
//
// # Schema (version 1)
//
// The top-level object:
//
//	format        "wstrace"
//	version       1
//	packets       [packet]
//	frames        [frame]     every WebSocket frame, in the order of the packets that complete them
//	messages      [message]   every WebSocket message (control frames included)
//	connections   [connection]
//
// The members keep their names and meanings; since wstrace 0.2 "connections"
// comes last rather than first, because a connection is final only once it
// has ended, while packets are written as the capture is read (the
// document is written as it goes: its memory does not grow with the
// capture). Readers that look members up by name are unaffected.
//
// # JSON lines
//
// With --format jsonl (or [NewLines], [WriteLines]) each record is one
// line, written as soon as it is final, for pipelines (jq, DuckDB,
// pandas): an object whose first member is "type" — "packet", "frame",
// "message" or "connection" — followed by the members the document gives
// that object below. Packets come in capture order, each followed by the
// frames it completes; a message follows about a second (capture time)
// after its packet, once no later message can relay it; a connection
// comes once it has ended and all its packets were written (or at the
// end).
//
// # Selection and redaction
//
// The selection of the page (--packets, --conn and the filter) applies: only
// the selected packets are written, with the frames and messages they
// complete and the connections they belong to. Frame and message indexes
// and connection IDs keep their numbering in the whole capture, so with a
// selection an index is no longer a position in its array. With --redact
// (the default) the token-like query values of request targets (the
// upgrade's "path", the "path" of HTTP events, the packet line) and
// subprotocols that carry a credential are masked with '*', as on pages.
//
// A connection:
//
//	id                 1, 2, ... in order of first packet
//	client, server     "address:port" ("[v6 address]:port" for IPv6)
//	role_basis         how the roles were decided: "syn", "syn-ack", "http-request",
//	                   "http-response", "ws-masking", "ws-port", "shared-port", "port-number"
//	first_packet, last_packet, packets
//	client_isn, server_isn   initial sequence numbers, or null without a handshake
//	websocket          whether it carries WebSocket frames
//	websocket_basis    "upgrade", "ws-port", "heuristic" or ""
//	upgrade            null, or {request_packet, response_packet, method, path, host,
//	                   origin, key, version, protocols [string], extensions, status,
//	                   reason, accept, expected_accept, accept_valid, protocol,
//	                   response_extensions, succeeded}
//	deflate            null, or the permessage-deflate parameters:
//	                   {server_no_context_takeover, client_no_context_takeover,
//	                   server_max_window_bits, client_max_window_bits, raw, inferred}
//	teardown           "four-way", "three-way", "simultaneous", "reset", "half-closed", or ""
//	client_bytes, server_bytes           payload bytes sent
//	client_gap_bytes, server_gap_bytes   bytes never captured
//	tls                null when the connection is not TLS, else (no key material, ever):
//	                   {version ("1.2", "1.3", "" before a ServerHello),
//	                   cipher_suite (IANA name, e.g. "TLS_AES_128_GCM_SHA256"),
//	                   sni (the server name sent in clear, "" when none),
//	                   alpn (the chosen protocol; TLS 1.3 shows it only decrypted),
//	                   offered_alpn [string], offered_versions [string],
//	                   key_share_group, retry_request (a HelloRetryRequest came),
//	                   resumed (a pre-shared key from an earlier connection),
//	                   certificate (null, or {subject, issuer, not_before, not_after
//	                   (RFC 3339), self_signed, chain}), keys ("found", "missing": a key
//	                   log without this connection, "none": no key log), decrypted,
//	                   client_records, server_records, decrypted_records, key_updates,
//	                   fault (the first TLS fault, "" when none)}
//	app                null when no application protocol was recognised, else
//	                   {protocol ("socket.io", "stomp", "mqtt", "graphql", "jsonrpc",
//	                   "signalr"), basis ("subprotocol", "url", "handshake" or
//	                   "heuristic": a guess), polling (it carried Engine.IO long-polling
//	                   bodies)}
//
// A packet:
//
//	number             1, 2, ...
//	time               capture time
//	connection         connection id, 0 for a packet of no TCP connection
//	from               "client", "server", or "" when connection is 0
//	summary            the packet's line exactly as tcpdump -n prints it
//	phase              the step it stands for (see package annotate): "tcp-handshake-1",
//	                   "tcp-handshake-2", "tcp-handshake-3", "ws-upgrade-request",
//	                   "ws-upgrade-response", "http-request", "http-response", "ack",
//	                   "ws-data", "ws-control", "tcp-teardown", "tcp-reset",
//	                   "tcp-retransmission", "tcp-out-of-order", "tcp-window-update",
//	                   "tcp-keepalive", "tcp-data", "tls-client-hello", "tls-server-hello",
//	                   "tls-handshake", "tls-change-cipher-spec", "tls-application-data",
//	                   "tls-alert" or "other"
//	length             length on the wire
//	captured_length    bytes captured
//	payload_offset     where the TCP payload starts in the captured bytes
//	payload_length     TCP payload length on the wire
//	seq, ack           as tcpdump prints them (null: not TCP; ack null without ACK)
//	relative           whether seq and ack are relative
//	stream_offset      position of the payload in the sender's byte stream
//	window             receive window in bytes (scaled when the handshake agreed a scale)
//	events             [event]
//	fields             [field]
//	frames, messages   indexes of the frames and messages this packet completes
//	app                [app] the application records of the HTTP body this packet
//	                   completes, when a protocol claims its request target (Engine.IO
//	                   long-polling: the open packet, Socket.IO packets POSTed and polled);
//	                   only bodies whose length Content-Length gives; else []
//
// An event is an object with "kind" and the event's parameters as further
// members, e.g. {"kind": "ack", "ack": 716, "acked_bytes": 715,
// "acked_packets": [15], "acked_phase": "ws-upgrade-request"}. The kinds and
// their parameters are listed in the documentation of package annotate.
//
// A field labels bytes of the TCP payload:
//
//	kind               "http-start-line", "http-header", "http-head-end", "http-body",
//	                   "ws-flags-opcode", "ws-mask-length", "ws-extended-length",
//	                   "ws-masking-key", "ws-payload", "tcp-data"
//	name               the header name (http-header only; omitted otherwise)
//	start, end         byte range in the TCP payload, end exclusive
//	data_start, data_end   the same bytes in the captured packet
//	frame              frame index for ws-* fields, else null
//	offset             where this part lies within the whole field (for ws-payload:
//	                   the offset into the frame's payload)
//	partial            whether the field continues in another packet
//
// A frame:
//
//	index              position in "frames"
//	packet             the packet that completes it (as tshark shows it)
//	first_packet       the packet that holds its first byte
//	connection, from
//	fin                FIN bit
//	rsv                the three RSV bits as a number: RSV1 = 4, RSV2 = 2, RSV3 = 1
//	opcode, opcode_name   e.g. 1, "text"; reserved opcodes are named "reserved-N"
//	masked             MASK bit
//	mask_key           masking key as 8 hex digits, or null when not masked
//	payload_length     the length the header declares
//	length_bits        the length form used: 7, 16 or 64
//	header_length      header bytes (2 to 14)
//	stream_offset      position of its first byte in the sender's stream
//	complete           false when some of its bytes were never captured
//	message            index of the message it belongs to, or null
//	faults             [string] protocol faults (names listed in package annotate)
//	payload_base64     the unmasked payload; only with the frame-payloads option
//
// A message:
//
//	index              position in "messages"
//	packet             the packet that completes it
//	time               that packet's time
//	connection, from
//	opcode, opcode_name   of the first frame: text, binary, close, ping, pong, ...
//	fragments          number of frames
//	frames             their indexes
//	compressed         permessage-deflate (RSV1 on the first frame)
//	size               payload size after decompression, -1 when unknown
//	wire_size          sum of the frames' payload lengths
//	text               the payload, for a text message that is valid UTF-8
//	data_base64        the payload otherwise; exactly one of text and data_base64 is present
//	json               whether text is a JSON object or array
//	close_code         status code of a close message (0 when it has none), else null
//	close_reason       reason of a close message, else null
//	relay_of           index of the message this one relays, or null
//	relays             indexes of the messages that relay this one
//	caused_by          for a server's text message, the index of the client message
//	                   that caused it: the latest earlier text message from a client,
//	                   on any connection, whose whole text or one of whose JSON string
//	                   values of 4+ characters this one carries (the most such values
//	                   wins); null when none. In the seed capture the login notice of
//	                   packet 24 points at mynick's login (packet 19), the chat line of
//	                   packet 29 at what mynick said in packet 26.
//	truncated          the payload was cut at the size cap (or a gap)
//	cap_hit            decompression or reassembly stopped at the size cap
//	incomplete         some of it was never captured (or its compression context)
//	faults             [string]
//	app                [app] what the message means to the application protocol it
//	                   carries (package annotate/app): usually one record; several when
//	                   one message holds several packets (MQTT, a JSON-RPC batch, SignalR
//	                   records); [] when no protocol is recognised, or when the message
//	                   only carries part of a packet that a later message completes (MQTT)
//
// An app record (the types and fields of each protocol are listed in the
// documentation of package annotate/app):
//
//	protocol           "socket.io", "engine.io", "stomp", "mqtt", "graphql-transport-ws",
//	                   "graphql-ws", "jsonrpc" or "signalr"
//	type               the packet type as the protocol's specification names it: Engine.IO
//	                   open/close/ping/pong/message/upgrade/noop; Socket.IO CONNECT,
//	                   DISCONNECT, EVENT, ACK, CONNECT_ERROR, BINARY_EVENT, BINARY_ACK (and
//	                   "attachment" for a binary attachment); STOMP commands (and
//	                   "heart-beat"); MQTT control packet names; GraphQL message types (and
//	                   "close"); JSON-RPC request/notification/response/error; SignalR
//	                   message type names (and "handshake")
//	fields             {name: value} the packet's fields in wire order: event, args,
//	                   ack_id, attachments, namespace, destination, topic, id, ... Secrets
//	                   (Socket.IO auth, STOMP passcode, MQTT password, GraphQL
//	                   connection_init payload) are "<redacted>" under --redact (the default)
//	links              [{rel, message, packet, part}] the records this one is linked to:
//	                   rel "answers" (an ACK, response, RECEIPT, PUBACK, pong, ...),
//	                   "attachment_of", "subscription", "operation" or "invocation";
//	                   message is the message index (null for a record in an HTTP body),
//	                   packet the packet that completed it, part its place in it
//	part               its place among the records of its message or body, from 0
//	parts              the messages that carried it, when several did (MQTT), else []
//	session            the Engine.IO session id (sid) of engine.io and socket.io records
//	                   (one session spans its polling requests and its WebSocket), else ""
//	heartbeat          keep-alive traffic (--hide-heartbeats leaves it out of pages)
//	guess              the protocol was recognised by a heuristic only
//	error              "" or why it does not parse ("bad-json", "json-too-deep",
//	                   "missing-nul", "content-length-mismatch", "packet-too-large", ...)
package jsonout
