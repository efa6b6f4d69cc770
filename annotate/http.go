package annotate

import (
	"errors"
	"strings"

	"github.com/wstrace/wstrace/annotate/httpmsg"
	"github.com/wstrace/wstrace/annotate/websocket"
)

// httpHead reads bytes of an HTTP message head and returns how many of b
// it consumed.
func (f *flow) httpHead(off int64, b []byte, owner *PacketInfo, payOff int, cur *PacketInfo) int {
	if len(f.head) == 0 {
		f.headOff = off
		f.headParts = nil
	}
	prev := len(f.head)
	limit := f.cs.a.opts.MaxHTTPHead
	take := min(len(b), limit+1-prev)
	if take < 0 {
		take = 0
	}
	f.head = append(f.head, b[:take]...)
	if len(f.headParts) == 0 || f.headParts[len(f.headParts)-1] != owner {
		f.headParts = append(f.headParts, owner)
	}
	lim := httpmsg.Limits{MaxHeadLength: limit}
	var (
		n    int
		err  error
		req  *httpmsg.Request
		resp *httpmsg.Response
	)
	if f.role == Client {
		req, n, err = lim.ParseRequestHead(f.head)
	} else {
		resp, n, err = lim.ParseResponseHead(f.head)
	}
	switch {
	case errors.Is(err, httpmsg.ErrIncomplete):
		if take < len(b) {
			err = httpmsg.ErrTooLarge
			break
		}
		msg := "request"
		if f.role == Server {
			msg = "response"
		}
		if _, ok := owner.Event("http-partial"); !ok {
			owner.add(EventHTTPPartial, Params{{"message", msg}, {"bytes", int64(len(f.head))}})
		}
		return len(b)
	case err == nil:
		used := n - prev
		head := f.head[:n]
		f.head = nil
		if req != nil {
			f.request(req, head, cur)
		} else {
			f.response(resp, head, cur)
		}
		return used
	}
	// Not HTTP after all (or a head beyond the limit).
	p := Params{{"error", err.Error()}, {"direction", f.role.String()}}
	if errors.Is(err, httpmsg.ErrTooLarge) {
		p.Set("error", "head-too-large")
	} else {
		p.Set("error", "malformed")
	}
	cur.add(EventHTTPMalformed, p)
	f.head, f.headParts = nil, nil
	f.noSniffAt = f.headOff
	f.mode = modeOpaque
	f.opaqueEvent = eventRef{}
	return 0
}

// placeHead adds the fields of a complete head.
func (f *flow) placeHead(head []byte, h httpmsg.Header) {
	base := f.headOff
	n := int64(len(head))
	end := n - 1
	if n >= 2 && head[n-2] == '\r' {
		end = n - 2
	}
	first := end
	if len(h) > 0 {
		first = int64(h[0].Offset)
	}
	f.place(FieldHTTPStartLine, "", base, base+first, base, nil)
	for i, fl := range h {
		stop := end
		if i+1 < len(h) {
			stop = int64(h[i+1].Offset)
		}
		f.place(FieldHTTPHeader, fl.Name, base+int64(fl.Offset), base+stop, base+int64(fl.Offset), nil)
	}
	f.place(FieldHTTPHeadEnd, "", base+end, base+n, base+end, nil)
}

// headEvent adds the event of a complete head to the packet that completes
// it, and a "part" copy to the earlier packets that carried it.
func (f *flow) headEvent(kind EventKind, p Params, cur *PacketInfo) {
	var nums []int
	for _, pi := range f.headParts {
		nums = append(nums, pi.Number)
	}
	if len(nums) > 1 {
		p.Set("packets", nums)
	}
	cur.add(kind, p)
	for _, pi := range f.headParts {
		if pi == cur {
			continue
		}
		pi.add(kind, Params{{"part", true}, {"completed_by", cur.Number}})
	}
	f.headParts = nil
}

func headers(h httpmsg.Header) []Header {
	out := make([]Header, len(h))
	for i, fl := range h {
		out[i] = Header{Name: fl.Name, Value: fl.Value}
	}
	return out
}

// request handles a complete request head.
func (f *flow) request(req *httpmsg.Request, head []byte, cur *PacketInfo) {
	cs := f.cs
	f.placeHead(head, req.Header)
	h := req.Header
	if h.HasToken("Upgrade", "websocket") {
		u := &Upgrade{
			RequestPacket:  cur.Number,
			RequestLength:  len(head),
			Method:         req.Method,
			Path:           req.Target,
			HTTPVersion:    req.Proto,
			Host:           h.Get("Host"),
			Origin:         h.Get("Origin"),
			Key:            h.Get("Sec-WebSocket-Key"),
			Version:        h.Get("Sec-WebSocket-Version"),
			Protocols:      h.Tokens("Sec-WebSocket-Protocol"),
			Extensions:     strings.Join(h.Values("Sec-WebSocket-Extensions"), ", "),
			RequestHeaders: headers(h),
		}
		if u.Origin == "" {
			u.Origin = h.Get("Sec-WebSocket-Origin")
		}
		cs.c.Upgrade = u
		cs.upgradeReq = u
		p := Params{
			{"method", u.Method},
			{"path", u.Path},
			{"http_version", u.HTTPVersion},
			{"host", u.Host},
			{"origin", u.Origin},
			{"key", u.Key},
			{"version", u.Version},
			{"length", int64(len(head))},
			{"headers", int64(len(h))},
			{"key_valid", websocket.CheckKey(u.Key) == nil},
		}
		if len(u.Protocols) > 0 {
			p.Set("protocols", u.Protocols)
		}
		if u.Extensions != "" {
			p.Set("extensions", u.Extensions)
		}
		f.headEvent(EventWSUpgradeRequest, p, cur)
		if u.Key == "" || websocket.CheckKey(u.Key) != nil {
			cur.add(EventWSFault, Params{{"fault", "bad-upgrade-key"}, {"key", u.Key}})
		}
		if u.Version != "13" {
			cur.add(EventWSFault, Params{{"fault", "bad-upgrade-version"}, {"version", u.Version}})
		}
		f.skipBody(req.BodyLength())
		if f.mode == modeHTTP {
			f.mode = modeHold
		}
		return
	}
	p := Params{
		{"method", req.Method},
		{"path", req.Target},
		{"http_version", req.Proto},
		{"host", h.Get("Host")},
		{"length", int64(len(head))},
		{"headers", int64(len(h))},
	}
	f.headEvent(EventHTTPRequest, p, cur)
	f.skipBody(req.BodyLength())
}

// skipBody sets the flow up to pass over the body that follows a head.
func (f *flow) skipBody(n int64, chunked, ok bool) {
	f.toClose, f.chunked, f.bodyLeft = false, nil, 0
	switch {
	case chunked:
		f.chunked = &httpmsg.ChunkedBody{}
		f.mode = modeBody
	case !ok:
		f.toClose = true
		f.mode = modeBody
	case n > 0:
		f.bodyLeft = n
		f.mode = modeBody
	default:
		f.mode = modeHTTP
	}
}

// body consumes body bytes.
func (f *flow) body(off int64, b []byte, owner *PacketInfo, cur *PacketInfo) int {
	n := len(b)
	done := false
	switch {
	case f.toClose:
	case f.chunked != nil:
		k, fin, err := f.chunked.Consume(b)
		n, done = k, fin
		if err != nil {
			cur.add(EventHTTPMalformed, Params{{"error", "bad-chunked-body"}, {"direction", f.role.String()}})
			f.mode = modeOpaque
			f.opaqueEvent = eventRef{}
			f.chunked = nil
			if n == 0 {
				return 0
			}
		}
	default:
		if int64(n) >= f.bodyLeft {
			n = int(f.bodyLeft)
			done = true
		}
		f.bodyLeft -= int64(n)
	}
	f.place(FieldHTTPBody, "", off, off+int64(n), off, nil)
	if done {
		f.chunked = nil
		f.mode = modeHTTP
	}
	return n
}

// response handles a complete response head.
func (f *flow) response(resp *httpmsg.Response, head []byte, cur *PacketInfo) {
	cs := f.cs
	f.placeHead(head, resp.Header)
	h := resp.Header
	u := cs.upgradeReq
	isUpgrade := resp.StatusCode == 101 && h.HasToken("Upgrade", "websocket")
	if isUpgrade {
		if u == nil {
			// The request was not captured.
			u = &Upgrade{}
			cs.c.Upgrade = u
		}
		cs.upgradeReq = nil
		u.ResponsePacket = cur.Number
		u.ResponseLength = len(head)
		u.Status, u.Reason = resp.StatusCode, resp.Reason
		u.Accept = h.Get("Sec-WebSocket-Accept")
		if u.Key != "" {
			u.ExpectedAccept = websocket.AcceptKey(u.Key)
		}
		u.AcceptValid = u.ExpectedAccept != "" && u.Accept == u.ExpectedAccept
		u.Protocol = h.Get("Sec-WebSocket-Protocol")
		u.ResponseExtensions = strings.Join(h.Values("Sec-WebSocket-Extensions"), ", ")
		u.ResponseHeaders = headers(h)
		u.Succeeded = u.AcceptValid
		p := Params{
			{"status", int64(resp.StatusCode)},
			{"reason", resp.Reason},
			{"http_version", resp.Proto},
			{"accept", u.Accept},
			{"expected_accept", u.ExpectedAccept},
			{"accept_valid", u.AcceptValid},
			{"length", int64(len(head))},
			{"headers", int64(len(h))},
		}
		if u.RequestPacket != 0 {
			p.Set("request_packet", u.RequestPacket)
		}
		if u.Protocol != "" {
			p.Set("protocol", u.Protocol)
		}
		if u.ResponseExtensions != "" {
			p.Set("extensions", u.ResponseExtensions)
		}
		var faults []Params
		if u.Key == "" {
			p.Set("request_missing", u.RequestPacket == 0)
		}
		if u.Accept == "" {
			faults = append(faults, Params{{"fault", "missing-accept"}})
		} else if u.ExpectedAccept != "" && !u.AcceptValid {
			faults = append(faults, Params{{"fault", "accept-mismatch"}, {"accept", u.Accept}, {"expected_accept", u.ExpectedAccept}})
		}
		if u.Protocol != "" && u.RequestPacket != 0 && !containsFold(u.Protocols, u.Protocol) {
			faults = append(faults, Params{{"fault", "protocol-not-offered"}, {"protocol", u.Protocol}})
		}
		// permessage-deflate
		respExts, errResp := websocket.ParseExtensions(h.Values("Sec-WebSocket-Extensions"))
		var offer []websocket.Extension
		if u.RequestPacket != 0 {
			offer, _ = websocket.ParseExtensions(splitNonEmpty(u.Extensions))
		}
		dp, errNeg := websocket.NegotiateDeflate(offer, respExts)
		if errResp != nil || errNeg != nil {
			e := errResp
			if e == nil {
				e = errNeg
			}
			faults = append(faults, Params{{"fault", "extension-error"}, {"error", e.Error()}})
		}
		if dp != nil {
			d := &DeflateParams{
				ServerNoContextTakeover: dp.ServerNoContextTakeover,
				ClientNoContextTakeover: dp.ClientNoContextTakeover,
				ServerMaxWindowBits:     dp.ServerMaxWindowBits,
				ClientMaxWindowBits:     dp.ClientMaxWindowBits,
			}
			for _, e := range respExts {
				if strings.EqualFold(e.Name, websocket.DeflateName) {
					d.Raw = e.String()
				}
			}
			cs.c.Deflate = d
			cs.deflate = d
			p.Set("deflate", true)
			p.Set("server_no_context_takeover", d.ServerNoContextTakeover)
			p.Set("client_no_context_takeover", d.ClientNoContextTakeover)
			p.Set("server_max_window_bits", int64(d.ServerMaxWindowBits))
			p.Set("client_max_window_bits", int64(d.ClientMaxWindowBits))
		}
		f.headEvent(EventWSUpgradeResponse, p, cur)
		for _, fp := range faults {
			cur.add(EventWSFault, fp)
		}
		cs.markWebSocket("upgrade")
		f.startWS(false)
		// The client's bytes after its request are frames now.
		cf := cs.streams[Client].proto()
		if cf.mode == modeHold {
			cf.release(true, cur)
		} else if cf.mode != modeWS {
			cf.startWS(false)
		}
		return
	}
	p := Params{
		{"status", int64(resp.StatusCode)},
		{"reason", resp.Reason},
		{"http_version", resp.Proto},
		{"length", int64(len(head))},
		{"headers", int64(len(h))},
	}
	if u != nil && resp.StatusCode >= 200 {
		p.Set("upgrade_rejected", true)
		p.Set("request_packet", u.RequestPacket)
		u.ResponsePacket = cur.Number
		u.ResponseLength = len(head)
		u.Status, u.Reason = resp.StatusCode, resp.Reason
		u.ResponseHeaders = headers(h)
		cs.upgradeReq = nil
	}
	f.headEvent(EventHTTPResponse, p, cur)
	f.skipBody(resp.BodyLength())
	if u != nil && resp.StatusCode >= 200 {
		cf := cs.streams[Client].proto()
		if cf.mode == modeHold {
			cf.release(false, cur)
		}
	}
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func splitNonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}
