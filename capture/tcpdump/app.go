package tcpdump

import "bytes"

// Application protocols tcpdump recognizes by port after the TCP length.

// tcpPayloadPrint prints what tcpdump prints after ", length N" for the
// segment's payload at bp, chosen by port in tcpdump's order.
func (c *ctx) tcpPayloadPrint(bp, length, sport, dport int) {
	port := func(p int) bool { return sport == p || dport == p }
	switch {
	case port(23): // telnet
		c.inexact()
	case port(25):
		c.print(": ")
		c.txtprotoPrint("smtp", bp, length, nil, false)
	case port(43):
		c.print(": ")
		c.txtprotoPrint("whois", bp, length, nil, false)
	case port(179), port(1723), port(6379): // BGP, PPTP, Redis
		c.inexact()
	case port(22):
		c.sshPrint(bp, length)
	case port(10288), port(6633), port(6653): // BEEP, OpenFlow
		c.inexact()
	case port(21):
		c.print(": ")
		c.txtprotoPrint("ftp", bp, length, nil, false)
	case port(80), port(8080):
		c.print(": ")
		c.txtprotoPrint("http", bp, length, httpCommands, true)
	case port(554), port(8554):
		c.print(": ")
		c.txtprotoPrint("rtsp", bp, length, rtspCommands, true)
	case port(53):
		c.domainPrint(bp, length, true, false)
	case port(639), port(323), port(646): // MSDP, RPKI-RTR, LDP
		c.inexact()
	case port(2049):
		if length >= 4 && c.avail(bp, 4) && c.avail(bp+8, 4) {
			dir := c.be32(bp + 8)
			if (dport == 2049 && dir == 0) || (sport == 2049 && dir == 1) {
				c.inexact() // NFS
			}
		}
	}
}

// httpCommands are the request methods tcpdump's HTTP printer knows.
var httpCommands = []string{
	"GET", "PUT", "COPY", "HEAD", "LOCK", "MOVE", "POLL", "POST", "BCOPY", "BMOVE",
	"MKCOL", "TRACE", "LABEL", "MERGE", "DELETE", "SEARCH", "UNLOCK", "REPORT",
	"UPDATE", "NOTIFY", "BDELETE", "CONNECT", "OPTIONS", "CHECKIN", "PROPFIND",
	"CHECKOUT", "CCM_POST", "SUBSCRIBE", "PROPPATCH", "BPROPFIND", "BPROPPATCH",
	"UNCHECKOUT", "MKACTIVITY", "MKWORKSPACE", "UNSUBSCRIBE", "RPC_CONNECT",
	"VERSION-CONTROL", "BASELINE-CONTROL",
}

// rtspCommands are the request methods tcpdump's RTSP printer knows.
var rtspCommands = []string{
	"DESCRIBE", "ANNOUNCE", "GET_PARAMETER", "OPTIONS", "PAUSE", "PLAY", "RECORD",
	"REDIRECT", "SETUP", "SET_PARAMETER", "TEARDOWN",
}

// txtprotoPrint prints a text protocol's name in capitals and, when the
// payload looks like a request or response (or the protocol has no list of
// commands), its first line (txtproto_print without -v).
func (c *ctx) txtprotoPrint(proto string, bp, length int, cmds []string, respSecond bool) {
	c.proto = proto
	printThis := cmds == nil
	if cmds != nil {
		tok, idx := c.fetchToken(bp, 0, length)
		if idx != 0 {
			for _, cmd := range cmds {
				if bytes.EqualFold(tok, []byte(cmd)) {
					printThis = true
					break
				}
			}
			if respSecond {
				tok, idx = c.fetchToken(bp, idx, length)
			}
			if idx != 0 && len(tok) == 3 && isDigit(tok[0]) && isDigit(tok[1]) && isDigit(tok[2]) {
				printThis = true
			}
		}
	}
	for i := range len(proto) {
		// The names are lowercase ASCII.
		c.out = append(c.out, proto[i]-'a'+'A')
	}
	if printThis {
		c.printTxtLine(": ", bp, 0, length)
	}
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// maxToken is tcpdump's MAX_TOKEN: longer tokens are not tokens.
const maxToken = 128

// fetchToken reads a token at bp+idx (fetch_token): printable ASCII up to
// white space. It returns the token and the index after it and the blanks
// that follow, or an index of 0 when there is no token.
func (c *ctx) fetchToken(bp, idx, length int) ([]byte, int) {
	start := idx
	for ; idx < length; idx++ {
		if !c.avail(bp+idx, 1) {
			return nil, 0
		}
		ch := c.data[bp+idx]
		if ch&0x80 != 0 {
			return nil, 0
		}
		if ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' {
			break
		}
		if !isPrint(ch) {
			return nil, 0
		}
		if idx-start+2 > maxToken+1 {
			return nil, 0
		}
	}
	if idx == start {
		return nil, 0
	}
	tok := c.data[bp+start : bp+idx]
	for ; idx < length; idx++ {
		if !c.avail(bp+idx, 1) {
			break
		}
		ch := c.data[bp+idx]
		if ch == '\r' || ch == '\n' || !isPrint(ch) || ch != ' ' {
			break
		}
	}
	return tok, idx
}

// printTxtLine prints the line at bp+idx after prefix, if it is one
// (print_txt_line), and returns the index after its end, or 0.
func (c *ctx) printTxtLine(prefix string, bp, idx, length int) int {
	start := idx
	for idx < length {
		ch := c.u8(bp + idx)
		switch {
		case ch == '\n':
			c.print(prefix)
			c.out = append(c.out, c.data[bp+start:bp+idx]...)
			return idx + 1
		case ch == '\r':
			if idx+1 >= length {
				return 0
			}
			if c.u8(bp+idx+1) == '\n' {
				c.print(prefix)
				c.out = append(c.out, c.data[bp+start:bp+idx]...)
				return idx + 2
			}
			return 0
		case !isPrint(ch) && ch != '\t':
			return 0
		}
		idx++
	}
	c.print(prefix)
	c.out = append(c.out, c.data[bp+start:bp+idx]...)
	c.trunc()
	return 0
}

// sshPrint prints the SSH version line that opens a connection
// (ssh_print).
func (c *ctx) sshPrint(bp, length int) {
	c.proto = "ssh"
	for i, want := range []byte("SSH-") {
		if c.u8(bp+i) != want {
			return
		}
	}
	idx := 4
	for idx < length {
		ch := c.u8(bp + idx)
		if ch == '\n' {
			break
		}
		if ch == '\r' {
			if idx+1 >= length || c.u8(bp+idx+1) != '\n' {
				return
			}
			break
		}
		if !isPrint(ch) {
			return
		}
		idx++
	}
	if idx >= length {
		return
	}
	c.print(": SSH: ")
	c.out = append(c.out, c.data[bp:bp+idx]...)
}
