#!/usr/bin/env bash
# Times wstrace against tcpdump (and tshark) on the same large capture, whole
# process, several runs each; prints wall time, peak memory and the ratios.
#
#   bash bench/bench.sh [PACKETS] [RUNS]
#
# A second part times wstrace render (JSON, Markdown, HTML) against tshark
# -T json and tshark -V on a capture of RENDER_PACKETS packets.
set -euo pipefail
cd "$(dirname "$0")/.."
packets=${1:-1000000}
runs=${2:-3}
out=bench/out
mkdir -p "$out"
export TZ=UTC

go build -o "$out/wstrace" ./cmd/wstrace
big="$out/big-$packets.pcap"
[ -f "$big" ] || go run ./bench/mkcapture -in testdata/chromium-ws-deflate.pcap -n "$packets" -o "$big"
ls -l "$big"

# measure NAME CMD...: best wall time (s) and peak RSS (KiB) over $runs runs.
measure() {
	local name=$1; shift
	local best="" mem=0
	for _ in $(seq "$runs"); do
		/usr/bin/time -f '%e %M' -o "$out/time" "$@" >/dev/null 2>"$out/stderr" || { cat "$out/stderr"; return 1; }
		read -r secs kib <"$out/time"
		if [ -z "$best" ] || awk "BEGIN{exit !($secs < $best)}"; then best=$secs; fi
		[ "$kib" -gt "$mem" ] && mem=$kib
	done
	printf '%-28s %8.2f s %10d KiB\n' "$name" "$best" "$mem"
	echo "$best $mem" >"$out/result-$name"
}

measure wstrace-dump-A "$out/wstrace" dump -A "$big"
measure tcpdump-nA tcpdump -n -A -r "$big"
measure wstrace-dump "$out/wstrace" dump "$big"
measure tcpdump-n tcpdump -n -r "$big"
if [ "${BENCH_TSHARK:-1}" = 1 ] && command -v tshark >/dev/null; then
	measure tshark tshark -n -r "$big"
fi

ratio() { awk -v a="$(cut -d' ' -f$3 "$out/result-$1")" -v b="$(cut -d' ' -f$3 "$out/result-$2")" 'BEGIN{printf "%.2f", a/b}'; }
echo "wstrace dump -A / tcpdump -n -A: time x$(ratio wstrace-dump-A tcpdump-nA 1), memory x$(ratio wstrace-dump-A tcpdump-nA 2)"
echo "wstrace dump    / tcpdump -n:    time x$(ratio wstrace-dump tcpdump-n 1), memory x$(ratio wstrace-dump tcpdump-n 2)"

# Streaming: JSON, JSON lines and the HTML digest of the big capture, with
# the same on RENDER_PACKETS packets, to show that memory does not grow with
# the capture (targets: JSON/JSONL peak under 150 MB and within 1.5x of the
# smaller capture's; HTML under 20 MB and 300 MB peak).
rpackets=${RENDER_PACKETS:-100000}
rbig="$out/big-$rpackets.pcap"
[ -f "$rbig" ] || go run ./bench/mkcapture -in testdata/chromium-ws-deflate.pcap -n "$rpackets" -o "$rbig"
ls -l "$rbig"
measure render-json-big "$out/wstrace" render --format json "$big"
measure render-jsonl-big "$out/wstrace" render --format jsonl "$big"
measure render-html-big "$out/wstrace" render -o "$out/render-big.html" "$big"
measure render-json "$out/wstrace" render --format json "$rbig"
measure render-jsonl "$out/wstrace" render --format jsonl "$rbig"
measure render-html "$out/wstrace" render -o "$out/render.html" "$rbig"
mb() { awk -v k="$(cut -d' ' -f2 "$out/result-$1")" 'BEGIN{printf "%.0f MB", k/1024}'; }
echo "render --format json  $packets packets: peak $(mb render-json-big), x$(ratio render-json-big render-json 2) the $rpackets-packet peak"
echo "render --format jsonl $packets packets: peak $(mb render-jsonl-big), x$(ratio render-jsonl-big render-jsonl 2) the $rpackets-packet peak"
echo "render -o x.html      $packets packets: $(du -m "$out/render-big.html" | cut -f1) MB page, peak $(mb render-html-big)"

# The tutorial page against tshark's dissection of the same WebSocket
# capture (tshark decodes port 9001 as WebSocket) on RENDER_PACKETS packets.
# BENCH_RENDER=0 skips it.
if [ "${BENCH_RENDER:-1}" = 1 ] && command -v tshark >/dev/null; then
	measure render-md "$out/wstrace" render -o "$out/render.md" "$rbig"
	measure tshark-json tshark -r "$rbig" -d tcp.port==9001,websocket -T json
	measure tshark-V tshark -r "$rbig" -d tcp.port==9001,websocket -V
	echo "wstrace render --format json / tshark -T json: time x$(ratio render-json tshark-json 1), memory x$(ratio render-json tshark-json 2)"
	echo "wstrace render --format jsonl / tshark -T json: time x$(ratio render-jsonl tshark-json 1), memory x$(ratio render-jsonl tshark-json 2)"
	echo "wstrace render (Markdown)    / tshark -V:      time x$(ratio render-md tshark-V 1), memory x$(ratio render-md tshark-V 2)"
	echo "wstrace render -o x.html     / tshark -V:      time x$(ratio render-html tshark-V 1), memory x$(ratio render-html tshark-V 2)"
fi
