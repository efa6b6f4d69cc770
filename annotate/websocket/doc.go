// Package websocket decodes the WebSocket protocol (RFC 6455) and its
// permessage-deflate extension (RFC 7692) as seen in captured traffic.
//
// It does no I/O. A [FrameReader] turns one direction of a reassembled TCP
// stream into [Frame]s as bytes arrive, coping with capture gaps; a
// [MessageAssembler] turns frames into [Message]s, decompressing
// permessage-deflate payloads. Violations of the protocol never stop decoding:
// they are reported as [Fault]s, whose [FaultKind]s are stable identifiers
// meant to be used as keys in message catalogs.
//
// Everything read from the wire is treated as hostile: no memory is allocated
// on the strength of a length field before the bytes arrive, payloads and
// decompressed messages are capped, and no input makes the package panic.
package websocket
