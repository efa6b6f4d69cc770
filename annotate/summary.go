package annotate

import (
	"io"
	"time"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/decode"
	"github.com/wstrace/wstrace/render/tcpdump"
)

// tcpdumpSummary returns a function that gives each packet's line as
// tcpdump -n prints it, times in loc (nil: local time, as tcpdump).
func tcpdumpSummary(loc *time.Location) func(*capture.Packet, *decode.Packet) string {
	pr := tcpdump.NewPrinter(io.Discard, tcpdump.Options{Location: loc})
	return func(p *capture.Packet, d *decode.Packet) string {
		return pr.Line(p, d)
	}
}
