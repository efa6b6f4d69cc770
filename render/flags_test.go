package render

import (
	"strings"
	"testing"

	"github.com/wstrace/wstrace/capture/decode"
)

// TestFlagsAsTcpdump: the flags the page and its diagram show are the
// flags of the packet line, which the tcpdump conformance test checks
// against tcpdump itself; with ECN bits too, in tcpdump's order.
func TestFlagsAsTcpdump(t *testing.T) {
	checked := 0
	for _, name := range []string{"workerman-chat.pcap", "chromium-ws-deflate.pcap", "socketio-chat.pcap"} {
		res := annotateFixture(t, name)
		for _, pi := range res.Packets {
			if !pi.HasTCP {
				continue
			}
			_, rest, ok := strings.Cut(pi.Summary, "Flags ")
			if !ok {
				t.Fatalf("%s packet %d: no flags in %q", name, pi.Number, pi.Summary)
			}
			want := rest[:strings.IndexByte(rest, ']')+1]
			if got := tcpdumpFlags(pi.TCPFlags); got != want {
				t.Errorf("%s packet %d: page flags %s, packet line %s", name, pi.Number, got, want)
			}
			checked++
		}
	}
	// tcpdump (print-tcp.c) prints F S R P . U E W in this order: a SYN-ACK
	// with ECE is [S.E], as its packet line shows, not [SE.].
	for f, want := range map[decode.TCPFlags]string{
		decode.SYN | decode.ACK | decode.ECE:              "[S.E]",
		decode.SYN | decode.ECE | decode.CWR:              "[SEW]",
		decode.FIN | decode.PSH | decode.ACK | decode.URG: "[FP.U]",
		0: "[none]",
	} {
		if got := tcpdumpFlags(f); got != want {
			t.Errorf("flags %#x: %s, want %s", f, got, want)
		}
	}
	if checked < 100 {
		t.Errorf("only %d packets checked", checked)
	}
}
