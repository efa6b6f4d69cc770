package websocket

import (
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// KeyGUID is the string that RFC 6455 §1.3 appends to Sec-WebSocket-Key
// before hashing it into Sec-WebSocket-Accept.
const KeyGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// ErrBadKey is wrapped by the errors of CheckKey.
var ErrBadKey = errors.New("websocket: invalid Sec-WebSocket-Key")

// AcceptKey returns the Sec-WebSocket-Accept value that answers the
// Sec-WebSocket-Key value key: the base64 SHA-1 of key and KeyGUID.
func AcceptKey(key string) string {
	sum := sha1.Sum([]byte(key + KeyGUID))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// CheckKey reports whether key is a valid Sec-WebSocket-Key value: the
// base64 encoding of 16 bytes (RFC 6455 §4.1). The error wraps ErrBadKey.
func CheckKey(key string) error {
	if strings.ContainsAny(key, "\r\n") {
		return fmt.Errorf("%w: %q contains a line break", ErrBadKey, key)
	}
	b, err := base64.StdEncoding.Strict().DecodeString(key)
	if err != nil {
		return fmt.Errorf("%w: %q is not base64: %v", ErrBadKey, key, err)
	}
	if len(b) != 16 {
		return fmt.Errorf("%w: %q decodes to %d bytes, not 16", ErrBadKey, key, len(b))
	}
	return nil
}
