// Package annotate follows the TCP connections of a capture through the
// handshake, the HTTP upgrade, every WebSocket frame, the close handshake
// and the teardown, and describes each packet with structured events.
//
// It never writes sentences: an [Event] is a stable kind and named
// parameters, a [Field] a labelled byte range. Message catalogs turn them
// into prose; renderers use the ranges to highlight bytes.
//
// # Use
//
// [Annotate] reads a whole [capture.Source] and returns the [Result]: every
// connection, packet, frame and message, kept to the end. It suits small
// captures and tests; its memory grows with the capture.
//
// [New] returns an [Annotator] whose Add takes the packets one at a time,
// in capture order, and whose Finish flushes what is still held. A
// packet's [PacketInfo] is complete for what the packet itself shows when
// Add returns it; later packets may still add to it (the fields of an HTTP
// head or frame header that a later segment completes, the close pattern
// of its teardown, the roles of a connection captured without its
// handshake).
//
// # Streaming
//
// With Options.Emit set, the Annotator hands over each fact once it is
// final and then forgets it, so that memory is bounded by what is still
// open — connections, unfinished frames and messages, segments waiting for
// a hole, the relay window — and not by the length of the capture:
//
//	a := annotate.New(annotate.Options{Emit: func(r annotate.Record) error {
//		switch r.Kind {
//		case annotate.RecordPacket:     // r.Packet: events, fields, phase all final
//		case annotate.RecordFrame:      // r.Frame, after the packet that completes it
//		case annotate.RecordMessage:    // r.Message, once no later message can relay it
//		case annotate.RecordConnection: // r.Connection, closed (or at Finish)
//		}
//		return nil // an error stops the stream; Add and Finish report it
//	}})
//	for each packet p { if _, err := a.Add(p); err != nil { ... } }
//	a.Finish() // hands over what is still held; a.Err() says whether Emit failed
//
// A packet is final once no open state refers to it: the frame or HTTP
// head it starts is complete, the hole before its bytes is filled or
// declared a gap, its connection's roles and teardown pattern are known.
// Packets are handed over in capture order, so one such packet holds back
// the ones after it; at most Options.MaxHeld packets (and
// DefaultMaxHeldBytes captured bytes) wait, beyond which the oldest are
// handed over as they are — a frame larger than that then reaches its
// first packets' ws-frame-part events after they were handed over. A
// closed connection is handed over two seconds (capture time) after its
// last packet, so that a late retransmission still finds it.
//
// Frame and message indexes and connection IDs count as in a Result.
// Records point into the annotator's objects (a Packet's Conn, a Frame's
// Message): read them, but do not change them, and expect a Connection
// seen through a packet to change until its own record comes.
//
// A new layer (TLS, an application protocol over WebSocket) plugs in as
// the WebSocket reader does: it takes the bytes of one direction from
// flow (annotate/flow.go), labels byte ranges with flow.place, attaches
// facts as events to the packet being annotated (or to the packets the
// bytes came from, which stay held while its state refers to them: list
// them in connState.oldestPinned), and adds its own Record kind if its
// objects outlive a packet. Its event kinds go into the table below and
// into every message catalog.
//
// # Connections and streams
//
// A connection's client is the end that sent the SYN (or received the
// SYN-ACK); without a handshake, the end that sends an HTTP request (or
// masked WebSocket frames); else an end given with Options.WSPorts, an end
// that other connections share ("the port that stays fixed"), or the lower
// port. Connection.RoleBasis says which.
//
// Each direction is put back in order: out-of-order segments wait (up to
// Options.MaxReassembly bytes) for the hole before them; retransmitted bytes,
// whole or overlapping, are not delivered twice; bytes never captured (a
// hole the peer acknowledges, a sequence number beyond anything seen, the
// part of a packet the snap length cut, a hole still open at the end of the
// capture) are delivered as a gap. A hole the peer acknowledges is not
// taken as lost at once: a capture can record a segment after the ACK that
// covers it (-i any on several CPUs, merged captures, taps). It stays open
// for a bounded look-ahead — 64 packets of the connection, 200 ms of
// capture time, 1 MiB of held bytes, or the connection's end — and a
// segment that fills it in time is delivered in place, with a
// tcp-out-of-order event naming the ACK that came first (acked_first).
// Only then is the hole a gap (reason "ack", on that ACK). HTTP heads are parsed across segments;
// WebSocket framing resumes after a gap inside a payload at once, and after
// a gap that hides a frame header at the next plausible frame.
//
// Sequence numbers in PacketInfo.Seq and Ack are as tcpdump prints them
// (relative to the first packet with ACK of the address pair, absolute on
// that packet).
//
// # Phases
//
// Every packet has one [Phase], the step it stands for; it is the kind of
// its most important event, in this order: tcp-handshake-1,
// tcp-handshake-2, tcp-retransmission, tcp-out-of-order, tcp-reset,
// tls-client-hello, tls-server-hello,
// ws-upgrade-request, ws-upgrade-response, http-request, http-response
// (http-partial counts as the request or response it is part of),
// ws-control, ws-data (ws-frame-part counts as ws-data or ws-control),
// tls-alert, tls-handshake, tls-change-cipher-spec, tls-application-data
// (tls-record-part counts as the phase of its record's content type),
// tcp-data, tcp-teardown, tcp-keepalive, tcp-window-update,
// tcp-handshake-3, ack. A TCP packet with no such event is tcp-data when it
// carries payload, else ack; a packet that is not TCP is "other".
//
// # Events
//
// Each kind below is an [EventKind] constant named after it (EventTCPGap is
// "tcp-gap", EventWSRelay "ws-relay"); [EventKinds] lists them all. Field
// kinds are [FieldKind] constants in the same way (FieldWSPayload), and
// frame and message opcodes are websocket.Opcode values.
//
// Parameters are named in snake_case. Numbers are int64, except packet
// numbers and frame or message indexes, which are int (lists of them are
// []int); "seq" and "ack" parameters are uint32 and read as tcpdump prints
// them. A parameter that does not apply is absent, never empty.
//
//	kind                          parameters
//	----                          ----------
//	tcp-handshake-1               isn (uint32), window, mss, wscale, sack_permitted, timestamps
//	tcp-handshake-2               isn, ack, window, mss, wscale, sack_permitted, timestamps
//	tcp-handshake-3               ack
//	ack                           ack; acked_bytes: payload bytes newly acknowledged;
//	                              acked_packets: the packets that carried them;
//	                              acked_phase: what the last of them carried (its phase,
//	                              leaving out retransmission and reordering), e.g.
//	                              "ws-upgrade-request" for "the 715-byte upgrade request";
//	                              acked_fin: it also acknowledges a FIN
//	tcp-dup-ack                   ack, count (1 for the first duplicate), original (packet)
//	tcp-window-update             window (bytes, scaled), previous
//	tcp-zero-window               (none): the sender advertises a zero window
//	tcp-keepalive                 bytes (0 or 1) for a probe; reply=true and probe (packet)
//	                              for the answer to one
//	tcp-retransmission            bytes; original (the packet that first carried them, when
//	                              known); overlap (bytes already seen, for a segment that
//	                              also brings new ones); first_copy_missing (the first copy
//	                              was not captured); fast (after duplicate ACKs); syn / fin
//	                              (a repeated SYN, SYN-ACK or FIN)
//	tcp-out-of-order              bytes, later_bytes (bytes seen beyond it before it came);
//	                              acked_first (packet): the peer acknowledged these bytes
//	                              in that earlier packet, before the capture showed them —
//	                              the capture's order differs from the order they were sent
//	tcp-previous-segment-missing  missing_bytes: the segment lies beyond every byte seen
//	tcp-ack-unseen                bytes: the ACK covers bytes of the peer never captured
//	tcp-gap                       bytes, stream_offset, direction ("client"/"server"),
//	                              reason: "ack", "seq", "reassembly-limit" or
//	                              "end-of-capture" (why the bytes are taken as lost)
//	tcp-truncated                 captured, length: the snap length cut the payload
//	tcp-teardown                  fin (this packet carries a FIN) or acks_fin and
//	                              acked_packet (it acknowledges one); step (1, 2, ...);
//	                              first (the first FIN); last (the final ACK); pattern:
//	                              "four-way", "three-way" or "simultaneous", once known
//	tcp-reset                     ack (when the RST acknowledges)
//	tcp-data                      bytes, packet: payload of no known protocol
//	http-partial                  message ("request"/"response"), bytes so far: part of
//	                              an HTTP head not complete in this packet
//	ws-upgrade-request            method, path, http_version, host, origin, key, key_valid,
//	                              version, protocols ([]string), extensions, length (head
//	                              bytes), headers (count), packets (when several carried it)
//	ws-upgrade-response           status, reason, http_version, accept, expected_accept,
//	                              accept_valid, protocol, extensions, deflate,
//	                              server_no_context_takeover, client_no_context_takeover,
//	                              server_max_window_bits, client_max_window_bits, length,
//	                              headers, request_packet, request_missing, packets
//	http-request                  method, path, http_version, host, length, headers, packets
//	http-response                 status, reason, http_version, length, headers, packets;
//	                              upgrade_rejected and request_packet when it refuses an
//	                              upgrade (400, 403, 426, ...)
//	                              The four HTTP kinds above also appear, with part=true and
//	                              completed_by (packet), on the earlier packets of a head
//	                              that spans several.
//	http-malformed                error ("malformed", "head-too-large", "bad-chunked-body"),
//	                              direction
//	http-lost                     bytes, direction: a partial head cut by a gap
//	ws-data, ws-control           a frame this packet completes: frame (index), fin, rsv
//	                              (RSV1 = 4), opcode, opcode_name, masked, mask_key (hex),
//	                              payload_length, length_bits (7, 16 or 64), header_length,
//	                              packets (when several carried it), resynced (found by
//	                              searching after lost sync), complete=false and
//	                              missing_bytes (bytes never captured), truncated (payload
//	                              beyond the size cap not kept); for close frames
//	                              close_code, close_code_name, close_reason; for ping and
//	                              pong payload_text when the payload is UTF-8
//	ws-frame-part                 bytes, packet, frame_offset: part of a frame that a later
//	                              packet completes; once it does: frame, opcode_name,
//	                              control, completed_by
//	ws-message                    message (index), opcode, opcode_name, fragments, frames
//	                              ([]int), first_packet, compressed, size (-1 unknown),
//	                              wire_size, utf8_valid and json (text messages), truncated,
//	                              incomplete, close_code, close_code_name, close_reason;
//	                              caused_by (index), cause_packet, cause_connection: for
//	                              a server's message, the client message it answers or
//	                              passes on (see Causes)
//	ws-size-cap                   message, cap: decompression stopped at the size cap
//	ws-memory-cap                 message, cap, kept: the content kept of all messages
//	                              reached Options.MaxRetained; this one keeps kept bytes
//	ws-relay                      message, relay_of (index), of_packet, of_connection,
//	                              of_from, delay_us: the server sent the same payload on
//	                              another connection shortly before
//	ws-sync-lost                  stream_offset, gap_bytes, direction: a gap hid where the
//	                              next frame starts
//	ws-fault                      fault, detail, frame (index) for frame faults, or the
//	                              handshake fault's own parameters (below)
//
// TLS events (a connection whose client starts with a ClientHello, on any
// port; see also Connection.TLS and PacketInfo.TLSRecords). Each record
// event is on the packet that completes the record and has record (index
// in its direction, int), length (body bytes), direction, packets (when
// several carried it), and encrypted, decrypted for protected records.
//
//	tls-client-hello              legacy_version, sni, alpn ([]string), versions ([]string),
//	                              cipher_suites ([]string, IANA names), suites (count,
//	                              GREASE included), key_shares, groups ([]string), ech,
//	                              extensions (count); GREASE values left out of lists
//	tls-server-hello              version, tls13, cipher_suite, group, alpn, resumed,
//	                              unsupported_suite, keys ("found", "missing", "none");
//	                              or retry_request=true, cipher_suite, group for a
//	                              HelloRetryRequest
//	tls-handshake                 messages ([]string), pending, pending_have,
//	                              pending_length (a message later records complete),
//	                              certificate_subject, certificate_issuer, not_before,
//	                              not_after, certificates, self_signed, key_exchange_group,
//	                              signature_scheme, key_update, request_update, alpn
//	                              (EncryptedExtensions); likely=true for TLS 1.2's
//	                              encrypted Finished
//	tls-change-cipher-spec        compat (TLS 1.3's middlebox-compatibility record)
//	tls-application-data          plaintext_length (decrypted), carries (its plaintext's
//	                              own events follow), likely_handshake (TLS 1.3 without
//	                              keys: sent before the client's first encrypted record),
//	                              epoch, key_generation
//	tls-alert                     level, description, close_notify (when readable);
//	                              only encrypted when not
//	tls-record-part               record, content_type, completed_by, packet: part of a
//	                              record a later packet completes
//	tls-fault                     fault, detail, record, direction: bad-record-mac,
//	                              bad-padding, record-too-short, no-inner-content-type
//	                              (decryption; the direction's later records stay
//	                              encrypted), record-overflow, not-a-record,
//	                              truncated-record, malformed-handshake,
//	                              handshake-too-large, malformed-alert
//
// Decrypted application data goes through the same steps as plaintext:
// HTTP upgrade, frames, permessage-deflate, close, relays. Its offsets
// (Frame.StreamOffset) count plaintext bytes, which lie nowhere on the
// wire, so its frames have no Fields; the packet that completes a record
// gets the events of what the record completes. Secrets come from
// Options.KeyLog and from the capture (Annotator.UseSecrets, which Annotate
// calls for pcapng Decryption Secrets Blocks); none of them ever appears
// in a Result.
//
// # Faults
//
// A ws-fault event's "fault" parameter is one of these stable names; faults
// never stop the decoding.
//
//	unmasked-client-frame         a client frame without a mask
//	masked-server-frame           a server frame with a mask
//	control-frame-too-long        a control frame with more than 125 bytes of payload
//	fragmented-control-frame      a control frame without FIN
//	rsv-without-extension         an RSV bit no negotiated extension defines
//	compressed-control-frame      RSV1 on a control frame
//	compressed-continuation-frame RSV1 on a continuation frame
//	reserved-opcode               opcode 3-7 or 11-15
//	non-minimal-length            a length not in its shortest form
//	length-top-bit-set            a 64-bit length with its top bit set
//	unexpected-continuation       a continuation frame with no message open
//	unfinished-message            a new message while a fragmented one is open
//	invalid-utf8                  a text message that is not UTF-8
//	invalid-deflate-data          a compressed message that does not inflate
//	close-payload-too-short       a close frame with a one-byte payload
//	invalid-close-code            a close code that may not be sent (e.g. 1005)
//	invalid-close-reason          a close reason that is not UTF-8
//	data-after-close              a frame after the sender's close frame
//	bad-upgrade-key               Sec-WebSocket-Key missing or not 16 bytes (param key)
//	bad-upgrade-version           Sec-WebSocket-Version not 13 (param version)
//	missing-accept                a 101 without Sec-WebSocket-Accept
//	accept-mismatch               the wrong Sec-WebSocket-Accept (accept, expected_accept)
//	protocol-not-offered          a subprotocol the client did not offer (protocol)
//	extension-error               an extension answer RFC 7692 forbids (error)
//
// # Fields
//
// PacketInfo.Fields label the bytes of the TCP payload, with ranges both in
// the payload and in the packet's data. A field spread over several packets
// appears in each with Partial set and Offset telling where its part lies
// within the whole.
//
//	http-start-line      the request or status line, with its line end
//	http-header          one header line (Name is the header name)
//	http-head-end        the empty line that ends the head
//	http-body            body bytes
//	ws-flags-opcode      frame byte 0: FIN, RSV1-3, opcode
//	ws-mask-length       frame byte 1: MASK and the 7-bit length
//	ws-extended-length   the 16- or 64-bit length
//	ws-masking-key       the 4-byte masking key
//	ws-payload           payload bytes; Frame.Payload[Offset:] holds them unmasked
//	tcp-data             payload of no known protocol
//	tls-record-header    a TLS record's 5-byte header
//	tls-record-body      a TLS record's body (encrypted or not)
//
// # Relays
//
// When a server sends a data message whose payload equals one it received
// (or sent) on another connection within Options.RelayWindow, the message
// is a relay: Message.RelayOf points at the message the server received
// or, if there is none, at the first copy it sent; that message's Relays
// lists the copies.
//
// # Causes
//
// A server's text message is linked to the client message that caused it
// (Message.CausedBy): the latest earlier text message from a client, on
// any connection, whose content it carries — the client's whole text, or
// one of its JSON string values of four or more characters (decoded, so
// "\u732a\u732a" and "猪猪" are the same value). When several client
// messages qualify, the one with the most contents carried wins, then the
// latest. A chat server's login notice to every browser thus points at the
// login that caused it, and a chat line it passes on at the message the
// speaker sent. The last 64 client messages are candidates.
//
// # Application protocols
//
// What the messages mean to the protocol they carry (Socket.IO and
// Engine.IO, including the long-polling HTTP bodies before the upgrade;
// STOMP; MQTT; GraphQL over WebSocket; JSON-RPC 2.0; SignalR) is the job of
// package annotate/app: app.Explain takes a [Result] (app.Tracker the records
// of a streaming annotator) and returns a record per
// application packet, linked to the WebSocket message (by index) or the HTTP
// body (by packet number) that carried it. This package stays below it and
// emits no application events.
//
// # Limits
//
// Everything from the wire is hostile: no buffer grows with a length field
// before the bytes arrive; each message keeps at most Options.MaxMessageSize
// bytes (decompression stops there and the message reports it), all
// messages together at most Options.MaxRetained (256 MiB; a message past
// it keeps what fits and reports it), each direction holds at most
// Options.MaxReassembly out-of-order bytes and an HTTP head at most
// Options.MaxHTTPHead bytes. Every step costs amortised constant time per
// event, frame and segment (BenchmarkGrowth grows each tenfold).
package annotate
