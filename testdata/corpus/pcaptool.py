#!/usr/bin/env python3
"""Byte-level conversions for the wstrace test corpus, where no standard tool
does the job. make.sh calls it; every subcommand reads a real capture written
by tcpdump (or editcap) and rewrites its framing, never the packets' contents.

  pcaptool.py relink IN.pcap OUT.pcap null|loop|raw|ipv4|ipv6
      Replace the 14-byte Ethernet header of an EN10MB capture with another
      link-layer framing (non-IP frames are dropped).
  pcaptool.py bigendian IN.pcap OUT.pcap
      Rewrite a pcap file with big-endian headers (as a SPARC or PowerPC
      machine would have written it); the packets are unchanged.
  pcaptool.py vlan IN.pcap OUT.pcap
      Insert VLAN tags into the frames of an EN10MB capture: an 802.1Q tag
      (VLAN 100) in every frame, except ICMP, which gets an 802.1ad service
      tag (VLAN 300) carrying an 802.1Q customer tag (VLAN 400, priority 5):
      QinQ.
  pcaptool.py spb IN.pcap OUT.pcapng
      Write a pcapng file of Simple Packet Blocks (one interface, the
      snap length of IN).
  pcaptool.py sections EN10MB.pcap SLL2.pcap OUT.pcapng
      Write a two-section pcapng file exercising rarely used parts of the
      format: section 1 little-endian with two interfaces (EN10MB with
      if_name/if_description and microsecond timestamps, RAW with if_tsresol
      2^-20 and an if_tsoffset), Enhanced, Simple and obsolete Packet Blocks,
      packet comments, Name Resolution, Interface Statistics and unknown
      blocks; section 2 big-endian with a LINUX_SLL2 interface with
      nanosecond timestamps.
"""
import struct
import sys

# ---------------------------------------------------------------- pcap


def read_pcap(path):
    """Returns (linktype, snaplen, nano, packets), packets as
    (timestamp_ns, orig_len, data)."""
    with open(path, "rb") as f:
        b = f.read()
    magic = b[:4]
    table = {
        b"\xd4\xc3\xb2\xa1": ("<", False),
        b"\xa1\xb2\xc3\xd4": (">", False),
        b"\x4d\x3c\xb2\xa1": ("<", True),
        b"\xa1\xb2\x3c\x4d": (">", True),
    }
    e, nano = table[magic]
    _, _, _, _, snaplen, linktype = struct.unpack(e + "HHiIII", b[4:24])
    off = 24
    pkts = []
    while off < len(b):
        sec, frac, incl, orig = struct.unpack(e + "IIII", b[off:off + 16])
        off += 16
        ns = sec * 10**9 + (frac if nano else frac * 1000)
        pkts.append((ns, orig, b[off:off + incl]))
        off += incl
    return linktype & 0xFFFF, snaplen, nano, pkts


def write_pcap(path, linktype, snaplen, pkts, endian="<", nano=False):
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    out = [struct.pack(endian + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)]
    for ns, orig, data in pkts:
        sec, rem = divmod(ns, 10**9)
        frac = rem if nano else rem // 1000
        out.append(struct.pack(endian + "IIII", sec, frac, len(data), orig))
        out.append(data)
    with open(path, "wb") as f:
        f.write(b"".join(out))


def relink(src, dst, kind):
    linktype, snaplen, nano, pkts = read_pcap(src)
    assert linktype == 1, "relink needs an EN10MB capture"
    out = []
    v6 = 0
    for ns, orig, data in pkts:
        if len(data) < 14:
            continue
        ethertype = struct.unpack(">H", data[12:14])[0]
        if ethertype not in (0x0800, 0x86DD):
            continue
        ip = data[14:]
        is6 = ethertype == 0x86DD
        if kind == "null":
            # BSD loopback: address family in the capturing host's byte order
            # (little-endian here). IPv6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD)
            # or 30 (macOS); use all three in turn.
            fam = 2
            if is6:
                fam = (24, 28, 30)[v6 % 3]
                v6 += 1
            hdr = struct.pack("<I", fam)
        elif kind == "loop":
            # OpenBSD loopback: address family in network byte order.
            hdr = struct.pack(">I", 24 if is6 else 2)
        elif kind == "raw":
            hdr = b""
        elif kind == "ipv4":
            if is6:
                continue
            hdr = b""
        elif kind == "ipv6":
            if not is6:
                continue
            hdr = b""
        else:
            raise SystemExit("unknown link kind " + kind)
        out.append((ns, orig - 14 + len(hdr), hdr + ip))
    lt = {"null": 0, "loop": 108, "raw": 101, "ipv4": 228, "ipv6": 229}[kind]
    write_pcap(dst, lt, snaplen, out, nano=nano)


def vlan(src, dst):
    linktype, snaplen, nano, pkts = read_pcap(src)
    assert linktype == 1, "vlan needs an EN10MB capture"
    out = []
    for ns, orig, data in pkts:
        ethertype = struct.unpack(">H", data[12:14])[0]
        icmp = ethertype == 0x0800 and len(data) > 23 and data[23] == 1
        if icmp:
            tag = struct.pack(">HHHH", 0x88A8, 300, 0x8100, (5 << 13) | 400)
        else:
            tag = struct.pack(">HH", 0x8100, 100)
        out.append((ns, orig + len(tag), data[:12] + tag + data[12:]))
    write_pcap(dst, linktype, snaplen, out, nano=nano)


def bigendian(src, dst):
    linktype, snaplen, nano, pkts = read_pcap(src)
    write_pcap(dst, linktype, snaplen, pkts, endian=">", nano=nano)


# ---------------------------------------------------------------- pcapng


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def opt(e, code, value):
    return struct.pack(e + "HH", code, len(value)) + pad4(value)


def opts(e, *pairs):
    if not pairs:
        return b""
    return b"".join(opt(e, c, v) for c, v in pairs) + struct.pack(e + "HH", 0, 0)


def block(e, btype, body):
    body = pad4(body)
    n = 12 + len(body)
    return struct.pack(e + "II", btype, n) + body + struct.pack(e + "I", n)


def shb(e, *options):
    return block(e, 0x0A0D0D0A,
                 struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1) + opts(e, *options))


def idb(e, linktype, snaplen, *options):
    return block(e, 1, struct.pack(e + "HHI", linktype, 0, snaplen) + opts(e, *options))


def epb(e, ifid, ts, orig, data, *options):
    return block(e, 6, struct.pack(e + "IIIII", ifid, ts >> 32, ts & 0xFFFFFFFF,
                                   len(data), orig) + pad4(data) + opts(e, *options))


def spb(e, orig, data):
    return block(e, 3, struct.pack(e + "I", orig) + pad4(data))


def obsolete_pb(e, ifid, ts, orig, data, *options):
    return block(e, 2, struct.pack(e + "HHIIII", ifid, 0, ts >> 32, ts & 0xFFFFFFFF,
                                   len(data), orig) + pad4(data) + opts(e, *options))


def spb_file(src, dst):
    linktype, snaplen, _, pkts = read_pcap(src)
    e = "<"
    out = [shb(e, (4, b"pcaptool.py spb")),
           idb(e, linktype, snaplen, (2, b"lo"))]
    for _, orig, data in pkts:
        # An SPB stores min(original length, snaplen) bytes.
        want = min(orig, snaplen) if snaplen else orig
        assert len(data) == want, (len(data), orig, snaplen)
        out.append(spb(e, orig, data))
    with open(dst, "wb") as f:
        f.write(b"".join(out))


def sections(eth_src, sll2_src, dst):
    lt, _, _, eth = read_pcap(eth_src)
    assert lt == 1
    lt2, _, _, sll2 = read_pcap(sll2_src)
    assert lt2 == 276
    e = "<"
    out = [shb(e, (1, b"section one: little-endian"), (4, b"pcaptool.py sections"))]
    # Interface 0: EN10MB, microseconds (default if_tsresol), with names.
    out.append(idb(e, 1, 262144, (2, b"lo"), (3, b"loopback, as Ethernet"),
                   (9, b"\x06")))
    # Interface 1: RAW, if_tsresol 2^-20 s, if_tsoffset 1000000000 s: a
    # stored timestamp counts 2^-20 s units since 2001-09-09T01:46:40Z.
    tsoffset = 1_000_000_000
    out.append(idb(e, 101, 65535, (2, b"raw0"), (9, b"\x94"),
                   (14, struct.pack(e + "q", tsoffset))))
    # A Name Resolution Block and an unknown block type before the packets.
    rec = b"\x7f\0\0\x01localhost\0"
    nrb = struct.pack(e + "HH", 1, len(rec)) + pad4(rec)
    nrb += struct.pack(e + "HH", 0, 0)
    out.append(block(e, 4, nrb))
    out.append(block(e, 0x0BADBEEF & 0x7FFFFFFF, b"unknown block, skip me"))
    comments = {0: [b"first packet"], 2: [b"two comments:", b"second one \xc3\xa9"]}
    for i, (ns, orig, data) in enumerate(eth[:6]):
        usec = ns // 1000
        if i == 3:
            # Obsolete Packet Block (type 2), interface 0.
            out.append(obsolete_pb(e, 0, usec, orig, data, (1, b"obsolete packet block")))
            continue
        o = [(1, c) for c in comments.get(i, [])]
        out.append(epb(e, 0, usec, orig, data, *o))
        if i == 1:
            # The same packet as RAW on interface 1 (IP header on).
            ip = data[14:]
            t = ((ns - tsoffset * 10**9) << 20) // 10**9
            out.append(epb(e, 1, t, orig - 14, ip, (1, b"raw, 2^-20 s, tsoffset")))
    # An Interface Statistics Block for interface 0 (isb_ifrecv = 6). (No
    # custom block: tshark would list it as a frame.)
    last = eth[5][0] // 1000
    out.append(block(e, 5, struct.pack(e + "III", 0, last >> 32, last & 0xFFFFFFFF)
                     + opts(e, (4, struct.pack(e + "Q", 6)))))
    # Section 2: big-endian, LINUX_SLL2 with nanosecond timestamps; the
    # interface numbering restarts at 0.
    e = ">"
    out.append(shb(e, (1, b"section two: big-endian")))
    out.append(idb(e, 276, 262144, (2, b"any"), (9, b"\x09")))
    for ns, orig, data in sll2[:4]:
        out.append(epb(e, 0, ns, orig, data))
    with open(dst, "wb") as f:
        f.write(b"".join(out))


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "relink" and len(argv) == 5:
        relink(argv[2], argv[3], argv[4])
    elif cmd == "vlan" and len(argv) == 4:
        vlan(argv[2], argv[3])
    elif cmd == "bigendian" and len(argv) == 4:
        bigendian(argv[2], argv[3])
    elif cmd == "spb" and len(argv) == 4:
        spb_file(argv[2], argv[3])
    elif cmd == "sections" and len(argv) == 5:
        sections(argv[2], argv[3], argv[4])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
