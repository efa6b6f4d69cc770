package websocket

import "strconv"

// An Opcode says how to interpret a frame's payload (RFC 6455 §5.2, §11.8).
type Opcode uint8

// The opcodes defined by RFC 6455. Opcodes 3–7 are reserved for further data
// frames and 11–15 for further control frames.
const (
	OpContinuation Opcode = 0x0
	OpText         Opcode = 0x1
	OpBinary       Opcode = 0x2
	OpClose        Opcode = 0x8
	OpPing         Opcode = 0x9
	OpPong         Opcode = 0xa
)

var opcodeNames = [...]string{
	OpContinuation: "continuation",
	OpText:         "text",
	OpBinary:       "binary",
	OpClose:        "close",
	OpPing:         "ping",
	OpPong:         "pong",
}

// String returns the opcode's name: "continuation", "text", "binary",
// "close", "ping", "pong", or "reserved-N" for a reserved opcode N.
func (o Opcode) String() string {
	if int(o) < len(opcodeNames) && opcodeNames[o] != "" {
		return opcodeNames[o]
	}
	return "reserved-" + strconv.Itoa(int(o))
}

// IsControl reports whether o is a control opcode (close, ping, pong or a
// reserved control opcode 11–15).
func (o Opcode) IsControl() bool { return o&0x8 != 0 }

// IsReserved reports whether o is not defined by RFC 6455.
func (o Opcode) IsReserved() bool {
	switch o {
	case OpContinuation, OpText, OpBinary, OpClose, OpPing, OpPong:
		return false
	}
	return true
}

// A Role tells which end of a connection sent a frame.
type Role uint8

// The two ends of a WebSocket connection. Clients mask every frame they
// send; servers mask none (RFC 6455 §5.1).
const (
	Client Role = 1
	Server Role = 2
)

// String returns "client", "server" or "unknown".
func (r Role) String() string {
	switch r {
	case Client:
		return "client"
	case Server:
		return "server"
	}
	return "unknown"
}
