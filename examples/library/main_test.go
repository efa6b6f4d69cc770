package main

import (
	"log"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Print the WebSocket messages of the seed tutorial's capture: the browsers'
// masked messages come out unmasked, and the server's copies of a message
// for the other browser are linked to the first copy.
func Example() {
	res, err := annotateFile("../workerman-chat.pcap")
	if err != nil {
		log.Fatal(err)
	}
	if err := printMessages(os.Stdout, res); err != nil {
		log.Fatal(err)
	}
	// Output:
	// packet 8  client 127.0.0.1:60584 > 127.0.0.1:7272  text (masked): {"type":"login","name":"\u732a\u732a"}
	// packet 9  server 127.0.0.1:7272 > 127.0.0.1:60584  text: {"type":"user_list","user_list":[{"uid":783654164,"name":"\u732a\u732a"}]}
	// packet 10  server 127.0.0.1:7272 > 127.0.0.1:60584  text: {"type":"login","uid":783654164,"name":"\u732a\u732a","time":"2014-08-12 17:48:49"}
	// packet 11  server 127.0.0.1:7272 > 127.0.0.1:60584  text: {"type":"notice","text":"-----------------------------------------------------------------------------------------"}
	// packet 19  client 127.0.0.1:60653 > 127.0.0.1:7272  text (masked): {"type":"login","name":"mynick"}
	// packet 20  server 127.0.0.1:7272 > 127.0.0.1:60653  text: {"type":"user_list","user_list":[{"uid":783654164,"name":"\u732a\u732a"},{"uid":783700053,"name":"mynick"}]}
	// packet 22  server 127.0.0.1:7272 > 127.0.0.1:60653  text: {"type":"login","uid":783700053,"name":"mynick","time":"2014-08-12 17:50:30"}
	// packet 24  server 127.0.0.1:7272 > 127.0.0.1:60584  text (relays packet 22): {"type":"login","uid":783700053,"name":"mynick","time":"2014-08-12 17:50:30"}
	// packet 26  client 127.0.0.1:60653 > 127.0.0.1:7272  text (masked): {"type":"say","to_uid":"all","content":"hi,  all !"}
	// packet 27  server 127.0.0.1:7272 > 127.0.0.1:60653  text: {"type":"say","from_uid":783700053,"to_uid":"all","content":"hi,  all !","time":"2014-08-12 :51:02"}
	// packet 29  server 127.0.0.1:7272 > 127.0.0.1:60584  text (relays packet 27): {"type":"say","from_uid":783700053,"to_uid":"all","content":"hi,  all !","time":"2014-08-12 :51:02"}
}

// TestRun runs the whole program on the seed's capture and checks the page.
func TestRun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "chat.html")
	var stdout strings.Builder
	if err := run(&stdout, "../workerman-chat.pcap", out, "zh-TW"); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<html lang="zh-TW">`, `id="p30"`, "hi,  all !"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the page does not contain %q", want)
		}
	}
	if got := strings.Count(stdout.String(), "\n"); got != 12 {
		t.Errorf("printed %d lines, want 11 messages and where the page went:\n%s", got, stdout.String())
	}
}
