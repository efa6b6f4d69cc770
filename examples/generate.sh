#!/usr/bin/env bash
# Regenerates everything in examples/ but workerman-chat.pcap, the seed
# tutorial's own capture:
#
#   demo.pcapng                      a fresh capture of `wstrace demo` (its defaults:
#                                    port 7272, listener and mynick, "hi, all !")
#   demo.LANG.md, demo.LANG.html     its pages in the guide style, LANG en, zh-TW, zh-CN
#   demo.classic.zh-TW.md            its page in the seed tutorial's classic style
#   workerman-chat.LANG.{md,html}    the same pages for workerman-chat.pcap
#   workerman-chat.classic.zh-TW.md
#   socketio-chat.LANG.{md,html}     the same pages for socketio-chat.pcap (Chromium and the
#   socketio-chat.classic.zh-TW.md   npm socket.io 4 server), with --hide-heartbeats
#   chromium-wss.pcapng             the Chromium wss:// (TLS 1.3) fixture with the browser's key
#                                    log embedded by editcap --inject-secrets, so it decrypts
#                                    by itself; chromium-wss.LANG.{md,html} its pages
#   docs-site/mkdocs/docs/workerman-chat.md, docs-site/hugo/content/workerman-chat.md
#                                    workerman-chat.en.md, the example sites' page
#   docs-site/hostile.pcapng         the demo's chat with messages that break
#                                    documentation generators if a page lets them
#                                    (Hugo shortcodes, JSX, MDX expressions, front
#                                    matter, fences), for docs-site/site_test.go
#
# Run it from anywhere in the repository, as root (or as a user who may create
# user namespaces: the demo then captures inside a private one):
#
#   sudo bash examples/generate.sh
#
# Pages are rendered with TZ=UTC so that they do not depend on the machine's
# time zone. `go test ./examples` checks that the pages shipped here are what
# wstrace renders now.
set -euo pipefail
cd "$(dirname "$0")/.."
export TZ=UTC

bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/wstrace" ./cmd/wstrace
wstrace() { "$bin/wstrace" "$@"; }

# The demo, with its defaults and the default pause spelled out, so that every
# run shows each step's packets together.
wstrace demo --pause 50ms --lang en -w examples/demo.pcapng -o examples/demo.en.md

# pages NAME CAPTURE [FLAG...]: every page of one capture.
pages() {
	local name=$1 capture=$2
	shift 2
	for lang in en zh-TW zh-CN; do
		for format in md html; do
			wstrace render "$@" --lang "$lang" -o "examples/$name.$lang.$format" "$capture"
		done
	done
	wstrace render "$@" --style classic --lang zh-TW -o "examples/$name.classic.zh-TW.md" "$capture"
}
pages demo examples/demo.pcapng
pages workerman-chat examples/workerman-chat.pcap
pages socketio-chat examples/socketio-chat.pcap --hide-heartbeats
editcap --inject-secrets tls,testdata/chromium-wss-tls13.keylog testdata/chromium-wss-tls13.pcap examples/chromium-wss.pcapng
pages chromium-wss examples/chromium-wss.pcapng

# The example documentation sites show the English page, unchanged.
cp examples/workerman-chat.en.md examples/docs-site/mkdocs/docs/workerman-chat.md
cp examples/workerman-chat.en.md examples/docs-site/hugo/content/workerman-chat.md

# A capture of real peers (the demo's) carrying what documentation generators
# read as their own syntax. The page itself is not kept: the test renders it.
hostile=$(mktemp -d)
wstrace demo --pause 50ms --lang en --names '{{< x >}},<Nick a={1}>' \
	--message '{{< figure src="x" >}} {{% include "y" %}} {{ .Site.Title }}' \
	--message '<Foo bar={1}>{props.x}</Foo> <!-- c --> &amp; $$x$$' \
	--message $'---\ntitle: x\n---\n```\nimport x from "y"\nexport const a = 1\n```' \
	-w examples/docs-site/hostile.pcapng -o "$hostile/hostile.md"
rm -rf "$hostile"

ls -l examples/demo.* examples/workerman-chat.* examples/socketio-chat.* examples/chromium-wss.*
