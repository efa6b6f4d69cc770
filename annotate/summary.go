package annotate

import (
	"io"
	"time"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/tcpdump"
)

// tcpdumpSummary returns a function that gives each packet's line as
// tcpdump -n prints it, times in loc (nil: local time, as tcpdump).
func tcpdumpSummary(loc *time.Location) func(*capture.Packet) string {
	return tcpdump.NewPrinter(io.Discard, tcpdump.Options{Location: loc}).Line
}
