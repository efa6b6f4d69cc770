package httpmsg

// knownMethods are the methods that LooksLikeRequest recognizes whatever
// follows them.
var knownMethods = [...]string{
	"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "PRI",
}

// LooksLikeRequest reports whether b, the first bytes of a stream, plausibly
// begin an HTTP request: a well-known method followed by a space, or an
// upper-case token followed by a space and an origin-form target ("/..." or
// "*"). It looks at no more than the first 24 bytes and needs the method and
// the space after it to be present.
func LooksLikeRequest(b []byte) bool {
	for _, m := range knownMethods {
		if len(b) > len(m) && string(b[:len(m)]) == m && b[len(m)] == ' ' {
			return true
		}
	}
	i := 0
	for i < len(b) && i < 20 && 'A' <= b[i] && b[i] <= 'Z' {
		i++
	}
	return i > 0 && i+2 <= len(b) && b[i] == ' ' && (b[i+1] == '/' || b[i+1] == '*')
}

// LooksLikeResponse reports whether b, the first bytes of a stream, plausibly
// begin an HTTP response: "HTTP/" DIGIT "." DIGIT SP 3DIGIT. It needs those
// twelve bytes to be present.
func LooksLikeResponse(b []byte) bool {
	return len(b) >= 12 && statusLinePrefixOK(b[:12])
}
