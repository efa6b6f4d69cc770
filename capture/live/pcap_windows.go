//go:build windows

package live

import (
	"fmt"

	"github.com/gopacket/gopacket/pcap"
)

// pcapDLL completes Backend: on Windows libpcap is Npcap's wpcap.dll,
// loaded when the program starts, without cgo.
const pcapDLL = " (Npcap's wpcap.dll, loaded at run time)"

// loadPcap reports whether Npcap's wpcap.dll could be loaded.
func loadPcap() error {
	if err := pcap.LoadWinPCAP(); err != nil {
		return fmt.Errorf("%w: Npcap is not installed (%v); install it from https://npcap.com/ "+
			"and tick \"Install Npcap in WinPcap API-compatible Mode\"", ErrNotSupported, err)
	}
	return nil
}
