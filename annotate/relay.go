package annotate

import (
	"bytes"
	"hash/fnv"
	"time"
)

// relayIndex finds messages that a server relays: the same payload sent on
// one connection shortly after it was received or sent on another.
type relayIndex struct {
	window time.Duration
	recent []*Message // data messages within the window, oldest first
	byHash map[uint64][]*Message
}

func relayHash(m *Message) uint64 {
	h := fnv.New64a()
	h.Write([]byte{m.Opcode})
	h.Write(m.Data)
	return h.Sum64()
}

// add indexes a complete data message and links it to the message it
// relays, if any.
func (r *relayIndex) add(m *Message, cur *PacketInfo) {
	if r.window < 0 || len(m.Data) == 0 || m.Truncated {
		return
	}
	if r.byHash == nil {
		r.byHash = map[uint64][]*Message{}
	}
	r.prune(m.Time)
	key := relayHash(m)
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
			cur.addEvent(Event{Kind: "ws-relay", Message: m, Params: Params{
				"message":       m.Index,
				"relay_of":      origin.Index,
				"of_packet":     origin.Packet,
				"of_connection": origin.Conn.ID,
				"of_from":       origin.From.String(),
				"delay_us":      m.Time.Sub(origin.Time).Microseconds(),
			}})
		}
	}
	r.recent = append(r.recent, m)
	r.byHash[key] = append(r.byHash[key], m)
}

// prune forgets the messages older than the window before now.
func (r *relayIndex) prune(now time.Time) {
	i := 0
	for i < len(r.recent) && now.Sub(r.recent[i].Time) > r.window {
		old := r.recent[i]
		k := relayHash(old)
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
