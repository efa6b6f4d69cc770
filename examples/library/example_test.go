package main

import (
	"fmt"
	"io"
	"log"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/render"
	"github.com/wstrace/wstrace/render/html"
	"github.com/wstrace/wstrace/render/jsonout"
	"github.com/wstrace/wstrace/render/markdown"
	"github.com/wstrace/wstrace/render/text"
)

// Example_readme is the library use the README quotes (TestREADMEQuotesExample
// keeps the two the same): open a capture, annotate it, print its
// WebSocket messages, and write the page in each format.
func Example_readme() {
	var w io.Writer = io.Discard // where the pages go; os.Stdout, a file...

	// README begin
	check := func(err error) {
		if err != nil {
			log.Fatal(err)
		}
	}
	src, err := capture.OpenFile("../workerman-chat.pcap") // pcap or pcapng, plain or gzip
	check(err)
	defer src.Close()
	res, err := annotate.Annotate(src, annotate.Options{}) // connections, phases, frames, messages
	check(err)                                             // (on a bad capture, res still holds everything before the problem)
	for _, m := range res.Messages {
		fmt.Println(m.From, m.OpcodeName(), string(m.Data)) // unmasked and inflated
	}
	page, err := render.Build(res, render.Capture{Name: "workerman-chat.pcap"}, render.Options{Lang: "zh-TW"})
	check(err)
	check(html.Write(w, page))                      // a self-contained HTML page
	check(markdown.Write(w, page))                  // Markdown
	check(text.Write(w, page, text.Options{}))      // text for a terminal (Color: true for ANSI colours)
	check(render.WritePcapng(w, page))              // the capture, each packet's explanation as a comment
	check(jsonout.Write(w, res, jsonout.Options{})) // JSON is written from the analysis, not the page
	// README end

	// Output:
	// client text {"type":"login","name":"\u732a\u732a"}
	// server text {"type":"user_list","user_list":[{"uid":783654164,"name":"\u732a\u732a"}]}
	// server text {"type":"login","uid":783654164,"name":"\u732a\u732a","time":"2014-08-12 17:48:49"}
	// server text {"type":"notice","text":"-----------------------------------------------------------------------------------------"}
	// client text {"type":"login","name":"mynick"}
	// server text {"type":"user_list","user_list":[{"uid":783654164,"name":"\u732a\u732a"},{"uid":783700053,"name":"mynick"}]}
	// server text {"type":"login","uid":783700053,"name":"mynick","time":"2014-08-12 17:50:30"}
	// server text {"type":"login","uid":783700053,"name":"mynick","time":"2014-08-12 17:50:30"}
	// client text {"type":"say","to_uid":"all","content":"hi,  all !"}
	// server text {"type":"say","from_uid":783700053,"to_uid":"all","content":"hi,  all !","time":"2014-08-12 :51:02"}
	// server text {"type":"say","from_uid":783700053,"to_uid":"all","content":"hi,  all !","time":"2014-08-12 :51:02"}
}

// TestREADMEQuotesExample checks that the README's library snippet is
// Example_readme's code between "README begin" and "README end", so that
// what the README shows compiles and runs.
func TestREADMEQuotesExample(t *testing.T) {
	src, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, code, _ := strings.Cut(string(src), "// README begin\n")
	code, _, _ = strings.Cut(code, "\t// README end")
	code = strings.ReplaceAll("\n"+code, "\n\t", "\n")[1:]
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	quoted := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	for _, q := range quoted {
		if q[1] == code {
			return
		}
	}
	t.Errorf("README.md has no go block that is Example_readme's code; it should quote:\n%s", code)
}
