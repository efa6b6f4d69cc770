package httpmsg

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/wstrace/wstrace/internal/testenv"
)

// TestOracleTshark parses the HTTP heads of the real captures' connections
// and compares them with tshark's HTTP dissector.
func TestOracleTshark(t *testing.T) {
	tshark := testenv.NeedTool(t, "tshark")
	captures := []string{
		"../../testdata/workerman-chat.pcap",
		"../../testdata/chromium-ws-deflate.pcap",
		"../../testdata/chromium-ws-plain-any.pcap",
	}
	for _, pcap := range captures {
		t.Run(pcap[strings.LastIndexByte(pcap, '/')+1:], func(t *testing.T) {
			heads := tsharkHTTP(t, tshark, pcap)
			var streams []string
			for _, h := range heads {
				if !slices.Contains(streams, h["tcp.stream"][0]) {
					streams = append(streams, h["tcp.stream"][0])
				}
			}
			data := followStreams(t, tshark, pcap, streams)
			compared := 0
			for _, h := range heads {
				b := data[h["tcp.stream"][0]+":"+h["tcp.srcport"][0]]
				if err := compareHead(b, h); err != nil {
					t.Errorf("stream %s port %s: %v", h["tcp.stream"][0], h["tcp.srcport"][0], err)
				}
				compared++
			}
			if compared == 0 {
				t.Fatal("no HTTP heads in the capture")
			}
			t.Logf("%d heads identical to tshark's", compared)
		})
	}
}

// compareHead parses the head at the start of b and compares it with
// tshark's fields h.
func compareHead(b []byte, h map[string][]string) error {
	var lines []string
	var header Header
	if _, isReq := h["http.request.method"]; isReq {
		req, _, err := ParseRequestHead(b)
		if err != nil {
			return err
		}
		got := []string{req.Method, req.Target, req.Proto}
		want := []string{h["http.request.method"][0], h["http.request.uri"][0], h["http.request.version"][0]}
		if !slices.Equal(got, want) {
			return fmt.Errorf("request line %q, tshark %q", got, want)
		}
		header, lines = req.Header, h["http.request.line"]
	} else {
		resp, _, err := ParseResponseHead(b)
		if err != nil {
			return err
		}
		got := []string{resp.Proto, fmt.Sprint(resp.StatusCode), resp.Reason}
		want := []string{h["http.response.version"][0], h["http.response.code"][0], h["http.response.phrase"][0]}
		if !slices.Equal(got, want) {
			return fmt.Errorf("status line %q, tshark %q", got, want)
		}
		header, lines = resp.Header, h["http.response.line"]
	}
	if len(header) != len(lines) {
		return fmt.Errorf("%d fields, tshark %d", len(header), len(lines))
	}
	for i, f := range header {
		raw := string(b[f.Offset:f.Offset+f.Length]) + "\r\n"
		if raw != lines[i] || f.Name+": "+f.Value+"\r\n" != lines[i] {
			return fmt.Errorf("field %d: %q (%s: %s), tshark %q", i, raw, f.Name, f.Value, lines[i])
		}
	}
	return nil
}

func tsharkHTTP(t *testing.T, tshark, pcap string) []map[string][]string {
	t.Helper()
	args := []string{"-r", pcap, "-Y", "http", "-T", "json"}
	for _, f := range []string{"tcp.stream", "tcp.srcport", "http.request.method", "http.request.uri",
		"http.request.version", "http.response.version", "http.response.code", "http.response.phrase",
		"http.request.line", "http.response.line"} {
		args = append(args, "-e", f)
	}
	out, err := exec.Command(tshark, args...).Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	var doc []struct {
		Source struct {
			Layers map[string][]string `json:"layers"`
		} `json:"_source"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	var heads []map[string][]string
	for _, d := range doc {
		heads = append(heads, d.Source.Layers)
	}
	return heads
}

// followStreams returns the bytes each side of the streams sent, keyed by
// "stream:port", as tshark's follow,tcp,raw shows them.
func followStreams(t *testing.T, tshark, pcap string, streams []string) map[string][]byte {
	t.Helper()
	args := []string{"-r", pcap, "-q"}
	for _, s := range streams {
		args = append(args, "-z", "follow,tcp,raw,"+s)
	}
	out, err := exec.Command(tshark, args...).Output()
	if err != nil {
		t.Fatalf("tshark follow: %v", err)
	}
	data := map[string][]byte{}
	var stream string
	var ports [2]string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "Filter: tcp.stream eq "):
			stream = strings.TrimPrefix(line, "Filter: tcp.stream eq ")
		case strings.HasPrefix(line, "Node 0: "), strings.HasPrefix(line, "Node 1: "):
			ports[line[5]-'0'] = line[strings.LastIndexByte(line, ':')+1:]
		case stream == "", line == "", strings.HasPrefix(line, "===="), strings.HasPrefix(line, "Follow:"):
		default:
			node := 0
			if strings.HasPrefix(line, "\t") {
				node = 1
			}
			b, err := hex.DecodeString(strings.TrimSpace(line))
			if err != nil {
				t.Fatal(err)
			}
			key := stream + ":" + ports[node]
			data[key] = append(data[key], b...)
		}
	}
	return data
}
