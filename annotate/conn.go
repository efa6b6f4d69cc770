package annotate

import (
	"net/netip"
	"time"

	"github.com/wstrace/wstrace/capture/decode"
)

// connKey names a TCP connection by its two ends, the lower one first.
type connKey struct{ lo, hi netip.AddrPort }

func keyOf(a, b netip.AddrPort) connKey {
	if a.Compare(b) <= 0 {
		return connKey{a, b}
	}
	return connKey{b, a}
}

// tdState is tcpdump's per-conversation record for relative sequence
// numbers: the base of the sequence numbers of the end that sorts first
// (seq) and of the other (ack).
type tdState struct{ seq, ack uint32 }

// pairState is what the annotator keeps for one address and port pair,
// found with one lookup per packet: tcpdump's record, once a packet with
// ACK made it (kept to the end, as tcpdump keeps it), and the connection
// open on the pair. It is dropped when it holds neither.
type pairState struct {
	td     tdState
	haveTD bool
	conn   *connState
}

// tcpdumpNumbers returns the sequence and acknowledgement numbers as
// tcpdump prints them without -S, and whether they are relative. tcpdump
// keeps one record per address and port pair: the first packet with ACK set
// (or any with SYN and ACK) records both ends' bases and is printed with
// absolute numbers; later ones are printed relative to them.
//
// ps is the state of the pair src and dst belong to, whichever end sorts
// first: tcpdump orders its record's ends by port, then address.
func tcpdumpNumbers(ps *pairState, src, dst netip.AddrPort, t *decode.TCP) (seq, ack uint32, rel bool) {
	seq, ack = t.Seq, t.Ack
	if t.Flags&decode.ACK == 0 {
		return seq, ack, false
	}
	rev := false
	switch {
	case src.Port() > dst.Port():
		rev = true
	case src.Port() == dst.Port():
		rev = src.Addr().Compare(dst.Addr()) > 0
	}
	th := &ps.td
	if !ps.haveTD || t.Flags&decode.SYN != 0 {
		ps.haveTD = true
		if rev {
			th.ack, th.seq = seq, ack-1
		} else {
			th.seq, th.ack = seq, ack-1
		}
		return seq, ack, false
	}
	if rev {
		return seq - th.ack, ack - th.seq, true
	}
	return seq - th.seq, ack - th.ack, true
}

// connState is the annotator's state of one connection.
type connState struct {
	a       *Annotator
	c       *Connection
	streams [3]*stream // indexed by Role
	// strong reports that the roles rest on the handshake or on what the
	// connection carried, not on port numbers; until then early keeps the
	// packets whose direction would flip if the roles were swapped.
	strong bool
	early  []*PacketInfo

	key      connKey
	lastTime time.Time // of its last packet

	synSeen, synAckSeen, hs3Seen bool
	synTime                      time.Time
	irtt                         time.Duration // from the SYN to the ACK that completes the handshake
	closed                       bool          // both FINs acknowledged, or reset
	done                         bool          // flushed

	// teardown
	finPkt        [3]*PacketInfo
	finAcked      [3]bool
	firstFinAcked bool // the first FIN was acknowledged before the second was sent
	tdSteps       int
	teardowns     []eventRef // the tcp-teardown events so far

	// WebSocket
	upgradeReq *Upgrade // request seen, response pending
	deflate    *DeflateParams

	tls *tlsState // TLS (tls.go), nil when the connection is not TLS
}

// addTCP annotates a TCP packet.
func (a *Annotator) addTCP(pi *PacketInfo, d *decode.Packet) {
	t := d.TCP
	src := netip.AddrPortFrom(d.Src, t.SrcPort)
	dst := netip.AddrPortFrom(d.Dst, t.DstPort)
	k := keyOf(src, dst)
	ps := a.pairs[k]
	if ps == nil {
		ps = &pairState{}
		a.pairs[k] = ps
	}
	pi.Seq, pi.Ack, pi.Relative = tcpdumpNumbers(ps, src, dst, t)
	pi.PayloadOffset = d.TransportOffset + t.HeaderLength
	if pi.PayloadOffset > len(pi.Packet.Data) || d.TransportOffset == 0 {
		pi.PayloadOffset = len(pi.Packet.Data) - len(d.Payload)
	}
	pi.PayloadLength = d.PayloadLength
	if pi.PayloadLength < len(d.Payload) {
		pi.PayloadLength = len(d.Payload)
	}
	pi.Captured = len(d.Payload)

	cs := ps.conn
	if cs == nil || cs.startsNewConnection(t) {
		cs = a.newConn(ps, k, src, dst, t)
	}
	cs.add(pi, d, src)
}

// startsNewConnection reports whether a packet on an existing connection's
// address pair begins a new connection (the ports were reused).
func (cs *connState) startsNewConnection(t *decode.TCP) bool {
	if t.Flags&(decode.SYN|decode.ACK) != decode.SYN {
		return false
	}
	if cs.closed {
		return true
	}
	if !cs.synSeen {
		// The first connection was captured mid-session; a SYN starts anew,
		// unless nothing but the SYN's own earlier copies went by.
		return cs.c.Packets > 0
	}
	return t.Seq != cs.c.ClientISN
}

// newConn starts tracking a connection whose first packet goes from src to
// dst.
func (a *Annotator) newConn(ps *pairState, k connKey, src, dst netip.AddrPort, t *decode.TCP) *connState {
	a.nConns++
	c := &Connection{ID: a.nConns}
	cs := &connState{a: a, c: c, key: k}
	switch {
	case t.Flags&(decode.SYN|decode.ACK) == decode.SYN:
		c.Client, c.Server, c.RoleBasis = src, dst, "syn"
		cs.strong = true
	case t.Flags&(decode.SYN|decode.ACK) == decode.SYN|decode.ACK:
		c.Client, c.Server, c.RoleBasis = dst, src, "syn-ack"
		cs.strong = true
	default:
		server, basis := a.guessServer(src, dst)
		c.Server, c.RoleBasis = server, basis
		c.Client = src
		if server == src {
			c.Client = dst
		}
	}
	for _, r := range []Role{Client, Server} {
		cs.streams[r] = newStream(cs, r)
	}
	a.ends[src]++
	a.ends[dst]++
	if cs.strong {
		a.servers[c.Server] = true
	}
	if old := ps.conn; old != nil {
		old.closeForReuse()
	}
	ps.conn = cs
	a.states = append(a.states, cs)
	if a.emit == nil {
		a.res.Connections = append(a.res.Connections, c)
	}
	return cs
}

// guessServer picks the server end of a connection captured without its
// handshake, before any payload says more: a --ws-port, else an end that
// other connections share ("the port that stays fixed"), else the lower
// port.
func (a *Annotator) guessServer(src, dst netip.AddrPort) (netip.AddrPort, string) {
	ws1, ws2 := a.wsPorts[src.Port()], a.wsPorts[dst.Port()]
	switch {
	case ws1 && !ws2:
		return src, "ws-port"
	case ws2 && !ws1:
		return dst, "ws-port"
	}
	s1, s2 := a.servers[src], a.servers[dst]
	switch {
	case s1 && !s2:
		return src, "shared-port"
	case s2 && !s1:
		return dst, "shared-port"
	}
	e1, e2 := a.ends[src] > 0, a.ends[dst] > 0
	switch {
	case e1 && !e2:
		return src, "shared-port"
	case e2 && !e1:
		return dst, "shared-port"
	}
	if src.Port() < dst.Port() {
		return src, "port-number"
	}
	return dst, "port-number"
}

// confirmRoles settles the roles from what the connection carries: sender
// sent something only a client (or only a server) sends. It swaps the roles
// when the guess from the ports was wrong, and reports whether it did.
func (cs *connState) confirmRoles(sender Role, isClient bool, basis string) bool {
	if cs.strong {
		return false
	}
	swapped := false
	if (sender == Client) != isClient {
		cs.swapRoles()
		swapped = true
	}
	cs.strong = true
	cs.c.RoleBasis = basis
	cs.a.servers[cs.c.Server] = true
	cs.early = nil
	return swapped
}

// swapRoles exchanges client and server: the ends, the streams and the
// direction of every packet seen so far.
func (cs *connState) swapRoles() {
	c := cs.c
	c.Client, c.Server = c.Server, c.Client
	cs.streams[Client], cs.streams[Server] = cs.streams[Server], cs.streams[Client]
	cs.streams[Client].setRole(Client)
	cs.streams[Server].setRole(Server)
	c.ClientBytes, c.ServerBytes = c.ServerBytes, c.ClientBytes
	c.ClientGapBytes, c.ServerGapBytes = c.ServerGapBytes, c.ClientGapBytes
	cs.finPkt[Client], cs.finPkt[Server] = cs.finPkt[Server], cs.finPkt[Client]
	cs.finAcked[Client], cs.finAcked[Server] = cs.finAcked[Server], cs.finAcked[Client]
	for _, pi := range cs.early {
		pi.From = pi.From.Peer()
	}
}

// fixWeakRoles revisits, at the end of the capture, the connections whose
// roles still rest on port numbers alone: an end that several connections
// share is the server.
func (a *Annotator) fixWeakRoles() {
	for _, cs := range a.states {
		if cs.strong || cs.c.RoleBasis != "port-number" {
			continue
		}
		c := cs.c
		clientShared := a.servers[c.Client] || a.ends[c.Client] > 1
		serverShared := a.servers[c.Server] || a.ends[c.Server] > 1
		if clientShared && !serverShared {
			cs.swapRoles()
			c.RoleBasis = "shared-port"
		}
	}
}

// closeForReuse ends a connection whose address pair a new connection
// takes over.
func (cs *connState) closeForReuse() {
	cs.finish()
	cs.closed = true
}

// add annotates one packet of the connection.
func (cs *connState) add(pi *PacketInfo, d *decode.Packet, src netip.AddrPort) {
	c := cs.c
	from := Server
	if src == c.Client {
		from = Client
	}
	pi.Conn, pi.From = c, from
	if c.FirstPacket == 0 {
		c.FirstPacket = pi.Number
	}
	c.LastPacket = pi.Number
	cs.lastTime = pi.Time
	c.Packets++
	if !cs.strong && len(cs.early) < maxEarlyPackets {
		cs.early = append(cs.early, pi)
	}
	cs.tcp(pi, d, from)
	if pi.Phase == phaseNone {
		pi.Phase = pi.currentPhase()
	}
}

// finish flushes the connection at the end of the capture.
func (cs *connState) finish() {
	if cs.done {
		return
	}
	cs.done = true
	last := cs.a.last
	for _, r := range []Role{Client, Server} {
		cs.streams[r].flush(last)
	}
	for _, r := range []Role{Client, Server} {
		cs.streams[r].flow.finish()
	}
	if cs.c.Teardown == "" && (cs.finPkt[Client] != nil || cs.finPkt[Server] != nil) {
		cs.setTeardown("half-closed")
	}
}
