// Package capture reads packets from capture files (pcap and pcapng, plain or
// gzip-compressed) and from live interfaces, and writes pcapng files.
//
// Packets are handed out one at a time by a [Source]; nothing holds the whole
// capture in memory.
package capture

import (
	"fmt"
	"time"
)

// LinkType is a link-layer header type, numbered as in the LINKTYPE_ registry
// that pcap and pcapng files use.
type LinkType uint32

// The link types wstrace decodes.
const (
	LinkTypeNull      LinkType = 0   // BSD loopback, host byte order family
	LinkTypeEthernet  LinkType = 1   // Ethernet (tcpdump's EN10MB), with 802.1Q tags
	LinkTypeRaw       LinkType = 101 // raw IPv4 or IPv6
	LinkTypeLoop      LinkType = 108 // OpenBSD loopback, network byte order family
	LinkTypeLinuxSLL  LinkType = 113 // Linux cooked capture v1
	LinkTypeIPv4      LinkType = 228 // raw IPv4
	LinkTypeIPv6      LinkType = 229 // raw IPv6
	LinkTypeLinuxSLL2 LinkType = 276 // Linux cooked capture v2 (tcpdump -i any)
)

var linkTypeNames = map[LinkType]string{
	LinkTypeNull:      "NULL",
	LinkTypeEthernet:  "EN10MB",
	LinkTypeRaw:       "RAW",
	LinkTypeLoop:      "LOOP",
	LinkTypeLinuxSLL:  "LINUX_SLL",
	LinkTypeIPv4:      "IPV4",
	LinkTypeIPv6:      "IPV6",
	LinkTypeLinuxSLL2: "LINUX_SLL2",
}

// String returns the name tcpdump gives the link type (its DLT name, such as
// "EN10MB"), or "LINKTYPE_n" for a type wstrace does not know.
func (t LinkType) String() string {
	if s, ok := linkTypeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("LINKTYPE_%d", uint32(t))
}

// Supported reports whether wstrace can decode packets of this link type.
func (t LinkType) Supported() bool {
	_, ok := linkTypeNames[t]
	return ok
}

// Interface describes the interface a packet was captured on. A pcap file has
// one; a pcapng file has one per Interface Description Block.
type Interface struct {
	Index       int      // position in the file, from 0
	Name        string   // if_name option, or "" when the file does not say
	Description string   // if_description option
	LinkType    LinkType // link-layer header type of its packets
	SnapLen     uint32   // longest packet the capture kept, 0 for no limit
}

// Packet is one captured packet as the file (or the kernel) handed it out.
type Packet struct {
	// Number is the packet's position in the capture, counting from 1.
	Number int
	// Timestamp is when the packet was captured.
	Timestamp time.Time
	// Interface is the interface the packet was captured on.
	Interface *Interface
	// Data holds the captured bytes, from the link-layer header on. It may be
	// shorter than Length when the capture's snap length cut it.
	Data []byte
	// Length is the packet's length on the wire.
	Length int
	// Comments holds the pcapng opt_comment values of the packet, if any.
	Comments []string
}

// LinkType returns the link-layer header type of the packet's data.
func (p *Packet) LinkType() LinkType { return p.Interface.LinkType }

// Source hands out packets one at a time. Next returns io.EOF after the last
// packet; any other error says where and why reading stopped, and every packet
// returned before it is good.
type Source interface {
	Next() (*Packet, error)
}

// SecretsTLSKeyLog is the secrets type of a Decryption Secrets Block that
// holds a TLS key log in the NSS format ("TLSK"), as editcap
// --inject-secrets tls,FILE writes it.
const SecretsTLSKeyLog uint32 = 0x544c534b

// Secrets is the content of one pcapng Decryption Secrets Block: the keys
// that decrypt some of the capture's traffic.
type Secrets struct {
	Type uint32 // what the data is, e.g. SecretsTLSKeyLog
	Data []byte
}

// SecretsSource is a Source that may also carry decryption secrets, as a
// pcapng file's Decryption Secrets Blocks do.
type SecretsSource interface {
	Source
	// Secrets returns the secrets met so far.
	Secrets() []Secrets
}
