#!/usr/bin/env bash
# make.sh regenerates the wstrace capture-file test corpus in this directory.
#
# Run as root (tcpdump, network namespaces, nftables):
#     sudo testdata/corpus/make.sh
# Needs: tcpdump, editcap, mergecap (wireshark-common), python3, curl, ping
# (iputils-ping), iproute2, ethtool, nftables, gzip.
#
# Real traffic is made on the loopback interface and on a veth pair whose far
# end lives in a throw-away network namespace (for ARP, 802.1Q/802.1ad VLAN
# tags, IPv4 fragments and SACK after deliberate packet loss), and captured
# with tcpdump. Link types that Linux cannot capture (NULL, LOOP, RAW, IPV4,
# IPV6), big-endian files and some pcapng blocks are made from those captures
# by pcaptool.py, which rewrites framing only. Re-running replaces every file;
# timestamps, ports and sequence numbers change, what each file covers does
# not. See README.md for the list.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
tool="python3 $here/pcaptool.py"
tmp=$(mktemp -d)
ns=wstcorpus
pids=()

cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	ip netns exec $ns nft delete table inet wstloss 2>/dev/null || true
	ip link del wst0 2>/dev/null || true
	ip netns del $ns 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

if [[ $(id -u) != 0 ]]; then
	echo "make.sh: run as root" >&2
	exit 1
fi

# capture FILE TCPDUMP-ARGS... starts tcpdump writing FILE and waits until it
# is listening; stop_capture ends it.
capture() {
	local file=$1
	shift
	tcpdump --immediate-mode -Z root -U -w "$file" "$@" 2>"$tmp/tcpdump.log" &
	cap_pid=$!
	for _ in $(seq 50); do
		grep -q listening "$tmp/tcpdump.log" && break
		sleep 0.1
	done
	sleep 0.3
}
stop_capture() {
	sleep 0.5
	kill -INT "$cap_pid"
	wait "$cap_pid" || true
	sed -n 's/^/    tcpdump: /p' "$tmp/tcpdump.log" | grep -E 'captured' || true
}

# Leftovers of an interrupted run.
ip link del wst0 2>/dev/null || true
ip netns del $ns 2>/dev/null || true

# ------------------------------------------------------------- servers
mkdir -p "$tmp/www"
printf 'Hello, wstrace!\r\nSecond line, CRLF-terminated.\r\n\r\nEnd.\r\n' >"$tmp/www/hello.txt"
(cd "$tmp/www" && exec python3 -m http.server --bind 127.0.0.1 18080) >/dev/null 2>&1 &
pids+=($!)
(cd "$tmp/www" && exec python3 -m http.server --bind ::1 18081) >/dev/null 2>&1 &
pids+=($!)
sleep 1

# rst_abort HOST PORT: connect, send a line, close with SO_LINGER 0 (RST).
rst_abort() {
	python3 - "$@" <<'EOF'
import socket, struct, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.sendall(b"GET /hello.txt HTTP/1.0\r\n")
time.sleep(0.2)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
EOF
}
# refused HOST PORT: a SYN answered by RST,ACK.
refused() {
	python3 -c 'import socket,sys
try: socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2)
except OSError: pass' "$@"
}

http_traffic() {
	curl -s -o /dev/null http://127.0.0.1:18080/hello.txt
	curl -s -o /dev/null 'http://[::1]:18081/hello.txt'
}

echo "lo-en10mb.pcap: EN10MB on lo, IPv4 + IPv6 HTTP, RSTs"
capture "$tmp/lo.pcap" -i lo 'tcp port 18080 or tcp port 18081 or tcp port 18099'
http_traffic
rst_abort 127.0.0.1 18080
refused 127.0.0.1 18099
stop_capture
cp "$tmp/lo.pcap" lo-en10mb.pcap

echo "any-sll.pcap: LINUX_SLL on -i any"
capture any-sll.pcap -i any -y LINUX_SLL 'tcp port 18080 or tcp port 18081'
http_traffic
stop_capture

echo "any-sll2.pcap: LINUX_SLL2 on -i any"
capture any-sll2.pcap -i any 'tcp port 18080 or tcp port 18081'
http_traffic
stop_capture

echo "snap80.pcap: -s 80"
capture snap80.pcap -i lo -s 80 'tcp port 18080'
curl -s -o /dev/null http://127.0.0.1:18080/hello.txt
stop_capture

echo "nano.pcap: nanosecond time stamps"
capture nano.pcap -i lo --time-stamp-precision=nano 'tcp port 18081'
curl -s -o /dev/null 'http://[::1]:18081/hello.txt'
stop_capture

# ------------------------------------------------------------- veth pair
ip netns add $ns
ip link add wst0 address 02:00:00:00:99:01 type veth peer name wst1 netns $ns
nsx() { ip netns exec $ns "$@"; }
nsx ip link set wst1 address 02:00:00:00:99:02
for side in host ns; do
	if [[ $side == host ]]; then x=; n=1; dev=wst0; else x=nsx; n=2; dev=wst1; fi
	$x ethtool -K $dev tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
	$x ip addr add 10.99.0.$n/24 dev $dev
	$x ip -6 addr add fd00:99::$n/64 dev $dev nodad
	$x ip link set $dev up
done
nsx ip link set lo up
sleep 2 # let router solicitations and MLD reports pass
ip neigh flush dev wst0 || true
nsx ip neigh flush dev wst1 || true

echo "veth-misc.pcap: ARP, ICMP, IPv4 fragments, UDP, ICMPv6"
capture veth-misc.pcap -i wst0
ping -c 1 -W 2 10.99.0.2 >/dev/null
ping -c 1 -W 2 -s 2000 10.99.0.2 >/dev/null # two fragments each way
python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b"hello udp\r\n", ("10.99.0.2", 5555))'
python3 -c 'import socket; s=socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.sendto(b"hello udp6\r\n", ("fd00:99::2", 5555))'
ping -6 -c 1 -W 2 fd00:99::2 >/dev/null
sleep 0.5
stop_capture

# This kernel has no 8021q module, so the tags are inserted afterwards by
# pcaptool.py into a real capture of ARP, ping and a TCP exchange on the veth.
echo "vlan.pcap: 802.1Q and 802.1ad+802.1Q tagged frames"
ip neigh flush dev wst0 || true
nsx python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 19100)); s.listen()
c, _ = s.accept(); d = c.recv(100); c.sendall(b"echo: " + d); c.close()
' &
pids+=($!)
sleep 0.5
capture "$tmp/untagged.pcap" -i wst0 'arp or icmp or tcp port 19100'
ping -c 1 -W 2 10.99.0.2 >/dev/null
python3 -c 'import socket,time
s = socket.create_connection(("10.99.0.2", 19100)); s.sendall(b"hi over vlan\r\n")
s.recv(100); time.sleep(0.1); s.close()'
stop_capture
$tool vlan "$tmp/untagged.pcap" vlan.pcap

echo "sack.pcap: TCP upload with losses (nftables drops), SACK blocks"
nsx nft add table inet wstloss
nsx nft add chain inet wstloss in '{ type filter hook input priority 0; }'
nsx nft add rule inet wstloss in tcp dport 19200 'tcp flags & (syn|fin) == 0' 'meta length > 1000' numgen inc mod 7 == 3 drop
nsx python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 19200)); s.listen()
c, _ = s.accept(); n = 0
while True:
    d = c.recv(65536)
    if not d: break
    n += len(d)
c.sendall(b"got %d bytes\r\n" % n); c.close()
' &
pids+=($!)
sleep 0.5
capture "$tmp/sack.pcap" -i wst0 -s 128 'tcp port 19200'
python3 -c 'import socket
s = socket.create_connection(("10.99.0.2", 19200))
s.sendall(b"x" * 40000); s.shutdown(socket.SHUT_WR); s.recv(100); s.close()'
stop_capture
nsx nft delete table inet wstloss
cp "$tmp/sack.pcap" sack.pcap

# ------------------------------------------------------------- conversions
echo "link-type conversions of lo-en10mb.pcap"
$tool relink lo-en10mb.pcap null.pcap null
$tool relink lo-en10mb.pcap loop.pcap loop
$tool relink lo-en10mb.pcap raw.pcap raw
$tool relink lo-en10mb.pcap ipv4.pcap ipv4
$tool relink lo-en10mb.pcap ipv6.pcap ipv6

echo "big-endian pcap"
$tool bigendian lo-en10mb.pcap bigendian.pcap
$tool bigendian nano.pcap bigendian-nano.pcap

echo "pcapng"
editcap -F pcapng lo-en10mb.pcap lo-en10mb.pcapng
mergecap -F pcapng -w two-links.pcapng lo-en10mb.pcap any-sll2.pcap
mergecap -I none -F pcapng -w two-ifaces.pcapng lo-en10mb.pcap veth-misc.pcap
editcap -F pcapng -a '1:first packet, a SYN' -a '3:third packet' \
	-a '3:a second comment on packet 3' -a '5:UTF-8: naïve ✓' \
	lo-en10mb.pcap comments.pcapng
editcap -F nseclibpcap lo-en10mb.pcap "$tmp/lo-ns.pcap"
editcap -F pcapng "$tmp/lo-ns.pcap" nano.pcapng
$tool spb snap80.pcap spb.pcapng
$tool sections lo-en10mb.pcap any-sll2.pcap sections.pcapng

echo "gzip"
gzip -9 -n -c lo-en10mb.pcap >lo-en10mb.pcap.gz
gzip -9 -n -c comments.pcapng >comments.pcapng.gz

echo "check: tcpdump reads every file"
for f in *.pcap *.pcapng; do
	# libpcap reads only pcapng files whose interfaces share one link type.
	[[ $f == sections.pcapng || $f == two-links.pcapng ]] && continue
	n=$(tcpdump -n -r "$f" 2>/dev/null | wc -l)
	tcpdump -n -r "$f" >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
	printf '    %-22s %4d packets %7d bytes\n' "$f" "$n" "$(stat -c %s "$f")"
done
for f in *.pcap *.pcapng *.gz; do
	tshark -r "$f" >/dev/null 2>"$tmp/err" || { echo "tshark $f:"; cat "$tmp/err"; exit 1; }
done
echo "done"
