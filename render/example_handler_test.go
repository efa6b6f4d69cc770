package render_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/render"
	"github.com/wstrace/wstrace/render/html"
)

// A teaching site written in Go can render a capture straight into its
// response: here an http.Handler serves the trace of a capture, in the
// language the query asks for, as a whole page or (with ?fragment) as a
// fragment for the site's own page template. The page is written to a
// buffer first, so that a failure is answered with an error status rather
// than half a page.
func Example_httpHandler() {
	trace := func(w http.ResponseWriter, r *http.Request) {
		opts := render.Options{Fragment: r.URL.Query().Has("fragment"), IDPrefix: "chat-"}
		if l := r.URL.Query().Get("lang"); l != "" {
			lang, err := render.ParseLang(l)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			opts.Lang = lang
		}
		src, err := capture.OpenFile("../testdata/workerman-chat.pcap")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer src.Close()
		res, err := annotate.Annotate(src, annotate.Options{Location: time.UTC})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		page, err := render.Build(res, render.Capture{Name: "workerman-chat.pcap"}, opts)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		var b bytes.Buffer
		if err := html.Write(&b, page); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(b.Bytes())
	}

	srv := httptest.NewServer(http.HandlerFunc(trace))
	defer srv.Close()
	for _, query := range []string{"?lang=zh-TW", "?lang=en&fragment", "?lang=klingon"} {
		resp, err := http.Get(srv.URL + "/" + query)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		page := string(body)
		fmt.Println(query, resp.StatusCode, resp.Header.Get("Content-Type"))
		fmt.Println("  whole page:", strings.HasPrefix(page, "<!DOCTYPE html>"),
			"fragment:", strings.HasPrefix(page, `<div class="wstrace"`),
			"packets:", strings.Count(page, `<article class="packet`),
			"packet 12 at #chat-p12:", strings.Contains(page, `id="chat-p12"`))
	}
	// Output:
	// ?lang=zh-TW 200 text/html; charset=utf-8
	//   whole page: true fragment: false packets: 30 packet 12 at #chat-p12: true
	// ?lang=en&fragment 200 text/html; charset=utf-8
	//   whole page: false fragment: true packets: 30 packet 12 at #chat-p12: true
	// ?lang=klingon 400 text/plain; charset=utf-8
	//   whole page: false fragment: false packets: 0 packet 12 at #chat-p12: false
}
