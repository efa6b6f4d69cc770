#!/usr/bin/env bash
# Makes the README's screenshots with headless Chromium (/usr/bin/chromium,
# never a downloaded browser), in each language LANG of en, zh-TW, zh-CN:
#
#   examples/screenshots/present.LANG.png   presenter mode (page.html?present#p21)
#                                          of examples/demo.pcapng at 1280x720
#   examples/screenshots/live.LANG.png      the live page of `wstrace demo --serve`
#                                          while the demo's session runs
#
# Run it from anywhere in the repository, as root (or as a user who may create
# user namespaces: the demo then captures inside a private one):
#
#   sudo bash examples/screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export TZ=UTC
out=examples/screenshots
mkdir -p "$out"

work=$(mktemp -d)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT
go build -o "$work/wstrace" ./cmd/wstrace

go build -o "$work/shoot" ./examples/screenshots/shoot

# shot URL FILE [READY]: a 1280x720 screenshot of URL once the JavaScript
# expression READY is true.
shot() {
	"$work/shoot" -ready "${3:-true}" "$1" "$2"
	echo "$2"
}

port=18461
for lang in en zh-TW zh-CN; do
	# Presenter mode, at packet 21 (a message relayed to the second browser).
	"$work/wstrace" render --lang "$lang" -o "$work/demo.$lang.html" examples/demo.pcapng
	shot "file://$work/demo.$lang.html?present#p21" "$out/present.$lang.png"

	# The live page, halfway through the demo (a step every two seconds).
	port=$((port + 1))
	"$work/wstrace" demo --lang "$lang" --addr 127.0.0.1:0 --pause 2s --serve "127.0.0.1:$port" \
		-w "$work/live.$lang.pcapng" 2>"$work/live.$lang.log" &
	pids+=($!)
	for _ in $(seq 50); do
		grep -q "live page at" "$work/live.$lang.log" && break
		sleep 0.1
	done
	shot "http://127.0.0.1:$port/" "$out/live.$lang.png" \
		'document.querySelectorAll("article.packet").length >= 24'

	kill -INT "${pids[-1]}" 2>/dev/null || true
	sleep 1
	kill -INT "${pids[-1]}" 2>/dev/null || true
	wait "${pids[-1]}" 2>/dev/null || true
	unset 'pids[-1]'
done
