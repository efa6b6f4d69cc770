package annotate

import (
	"bytes"
	"hash/maphash"
	"time"
)

// relayIndex finds messages that a server relays: the same payload sent on
// one connection shortly after it was received or sent on another.
type relayIndex struct {
	seed   maphash.Seed
	window time.Duration
	recent []hashedMessage // data messages within the window, oldest first
	byHash map[uint64][]*Message
}

// hashedMessage is a message with its hash.
type hashedMessage struct {
	m   *Message
	key uint64
}

// hash hashes a message's opcode and data.
func (r *relayIndex) hash(m *Message) uint64 {
	var h maphash.Hash
	h.SetSeed(r.seed)
	h.WriteByte(byte(m.Opcode))
	h.Write(m.Data)
	return h.Sum64()
}

// add indexes a complete data message, whose hash is key, and links it
// to the message it relays, if any.
func (r *relayIndex) add(m *Message, key uint64, cur *PacketInfo) {
	if r.window < 0 || len(m.Data) == 0 || m.Truncated {
		return
	}
	if r.byHash == nil {
		r.byHash = map[uint64][]*Message{}
	}
	r.prune(m.Time)
	if m.From == Server {
		var received, sent *Message
		for _, c := range r.byHash[key] {
			if c.Conn == m.Conn || c.Opcode != m.Opcode || !bytes.Equal(c.Data, m.Data) {
				continue
			}
			if d := m.Time.Sub(c.Time); d < 0 || d > r.window {
				continue
			}
			if c.From == Client {
				received = c // the latest copy the server received
			} else if sent == nil {
				sent = c // the first copy the server sent
			}
		}
		origin := received
		if origin == nil {
			origin = sent
		}
		if origin != nil && origin.RelayOf != nil {
			origin = origin.RelayOf
		}
		if origin != nil {
			m.RelayOf = origin
			origin.Relays = append(origin.Relays, m)
			cur.addEvent(Event{Kind: EventWSRelay, Message: m, Params: Params{
				{"message", m.Index},
				{"relay_of", origin.Index},
				{"of_packet", origin.Packet},
				{"of_connection", origin.Conn.ID},
				{"of_from", origin.From.String()},
				{"delay_us", m.Time.Sub(origin.Time).Microseconds()},
			}})
		}
	}
	r.recent = append(r.recent, hashedMessage{m, key})
	r.byHash[key] = append(r.byHash[key], m)
}

// prune forgets the messages older than the window before now.
func (r *relayIndex) prune(now time.Time) {
	i := 0
	for i < len(r.recent) && now.Sub(r.recent[i].m.Time) > r.window {
		old, k := r.recent[i].m, r.recent[i].key
		list := r.byHash[k]
		for j, c := range list {
			if c == old {
				list = append(list[:j], list[j+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(r.byHash, k)
		} else {
			r.byHash[k] = list
		}
		i++
	}
	if i > 0 {
		r.recent = append(r.recent[:0], r.recent[i:]...)
	}
}

// minShared is the least length of message data worth sharing between
// messages with the same content.
const minShared = 128

// sharedData keeps one copy of each message content of at least minShared
// bytes, so that messages that repeat one another (a server that sends
// every client the same update, the same state pushed again and again)
// hold one copy of it between them.
type sharedData struct {
	byHash map[uint64][]byte
	bytes  int // the bytes byHash holds
}

// maxSharedBytes bounds the content sharedData remembers; past it, it
// starts afresh.
const maxSharedBytes = 16 << 20

// lookup returns an earlier message's data equal to data, with the same
// hash key, if there is one.
func (s *sharedData) lookup(data []byte, key uint64) ([]byte, bool) {
	if len(data) < minShared {
		return nil, false
	}
	if old, ok := s.byHash[key]; ok && bytes.Equal(old, data) {
		return old, true
	}
	return nil, false
}

// store remembers data for later messages to share, unless a different
// content holds its key.
func (s *sharedData) store(data []byte, key uint64) {
	if len(data) < minShared {
		return
	}
	if _, ok := s.byHash[key]; ok {
		return
	}
	if s.byHash == nil || s.bytes+len(data) > maxSharedBytes {
		s.byHash, s.bytes = map[uint64][]byte{}, 0
	}
	s.byHash[key] = data
	s.bytes += len(data)
}
