#!/usr/bin/env bash
# Floods loopback with UDP for a bounded time while one capture runs, and
# prints what each capture lost and the CPU it used, beside tcpdump under the
# same flood. Needs root (captures) and tcpdump. Loopback only.
#
#   sudo bash bench/flood.sh [SECONDS] [RUNS]
#
# Each case runs alone: the capture starts, bench/flood sends for SECONDS
# (UDP to 127.0.0.1:7777 from two senders, and 200 datagrams/s to
# 127.0.0.1:5555), the capture is stopped with SIGINT, and its own report
# gives "captured", "received by filter" and "dropped by kernel"; CPU is
# the capture process's user+system time (/usr/bin/time). The cases:
#
#   all            no filter: every datagram kept and written
#   narrow         filter "udp port 5555": only the trickle is kept
#   narrow-user    the same filter run by wstrace in user space
#                  (--no-kernel-filter), as before the kernel filter
#
# FLOOD_ARGS=-tcp floods with small TCP segments (TCP_NODELAY writes) instead
# of UDP datagrams. WSTRACE_OLD=path adds the cases for another wstrace binary (such as a
# build from before the TPACKET_V3 ring) under the name "old".
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}
FLOOD_ARGS=${FLOOD_ARGS:-}
runs=${2:-1}
out=bench/out
mkdir -p "$out"
go build -o "$out/wstrace" ./cmd/wstrace
go build -o "$out/flood" ./bench/flood

# run NAME CMD...: one bounded flood while CMD captures; prints a line.
run() {
	local name=$1; shift
	/usr/bin/time -f 'cpu %U %S' -o "$out/flood-time" "$@" >/dev/null 2>"$out/flood-stderr" &
	local pid=$!
	sleep 1.5 # let the capture start (tcpdump prints "listening" late)
	local sent
	sent=$("$out/flood" -d "${secs}s" $FLOOD_ARGS)
	sleep 0.5
	# /usr/bin/time's child is the capture: stop it as Ctrl-C would.
	pkill -INT -P "$pid" || true
	wait "$pid" || true
	local captured received dropped user sys
	captured=$(awk '/packets captured/{print $1}' "$out/flood-stderr" | tail -1)
	received=$(awk '/packets received by filter/{print $1}' "$out/flood-stderr" | tail -1)
	dropped=$(awk '/packets dropped by kernel/{print $1}' "$out/flood-stderr" | tail -1)
	read -r _ user sys < <(grep '^cpu ' "$out/flood-time")
	local flooded trickled
	read -r _ flooded _ trickled <<<"$sent"
	printf '%-22s sent %9d+%-5d captured %9s received %9s dropped %9s (%5.1f%%) cpu %6.2fs\n' \
		"$name" "$flooded" "$trickled" "${captured:-?}" "${received:-?}" "${dropped:-?}" \
		"$(awk -v d="${dropped:-0}" -v r="${received:-0}" 'BEGIN{print (r>0)?100*d/r:0}')" \
		"$(awk -v u="$user" -v s="$sys" 'BEGIN{print u+s}')"
}

for _ in $(seq "$runs"); do
	run tcpdump-all tcpdump -i lo -n -w /dev/null
	run wstrace-all "$out/wstrace" capture -i lo -w /dev/null
	run tcpdump-narrow tcpdump -i lo -n -w /dev/null udp port 5555
	run wstrace-narrow "$out/wstrace" capture -i lo -w /dev/null udp port 5555
	run wstrace-narrow-user "$out/wstrace" capture -i lo -w /dev/null --no-kernel-filter udp port 5555
	if [ -n "${WSTRACE_OLD:-}" ]; then
		run old-all "$WSTRACE_OLD" capture -i lo -w /dev/null
		run old-narrow "$WSTRACE_OLD" capture -i lo -w /dev/null udp port 5555
	fi
done
