#!/usr/bin/python3
"""hostile_dns.py - a scripted DNS server that misbehaves on purpose.

Serves UDP and TCP on 127.0.0.1 at a port it picks itself and prints that
port alone on the first line of stdout, then answers until killed.  Tests
of the DNS engine (tests/integration/test_dns_hostile.c, started through
tests/support/hostile.c) point the engine at it.

    hostile_dns.py [CASE_DIR]        (default: testdata/hostile)

Every CASE_DIR/NAME.case file is one scenario.  A query is handled by the
case named by the first label of its QNAME: "wrong-id.hostile.test A" is
answered by wrong-id.case; an unknown case gets REFUSED.

Case file format: one directive per line; a line starting with '#', or
the rest of a line from " #", is a comment.

    rr: RECORD            a record of the good answer, in zone-file form;
                          "{qname}" stands for the name asked.  May repeat.
    udp: ACTION [OPT...]  a datagram sent in reply to every UDP query of
                          this case, in file order (several lines = several
                          datagrams; no udp: line at all = never answer).
    udp#N: ACTION ...     the same, but only for the N-th UDP query of the
                          case (1-based); when any udp#N line matches the
                          query count, the plain udp: lines are not used.
    tcp: ACTION [OPT...]  the same for queries over TCP (one message per
                          line, written on the connection in order).

ACTION is one of:
    answer                the good answer: ID and question copied from the
                          query, QR+AA set, the rr: records, modified by OPTs
    none                  send nothing (a line that does nothing; useful as
                          udp#1: none to drop the first query only)

OPTs (key=value) change the answer:
    id=wrong              ID of the query plus one (a spoofing attempt)
    qname=NAME            question section names NAME instead
    qtype=TYPE            question section asks TYPE instead
    rcode=NAME            NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED
    tc=1                  set TC and drop all records
    keep=N                with tc=1: keep the first N records instead (what a
                          server that fills the datagram with what fits sends)
    ad=1                  set the AD bit
    norr=1                send no records (NODATA with NOERROR)
    txt-fill=N            add a TXT record of N bytes at {qname} in 255-byte
                          character-strings (for the 64 KiB TXT over TCP)
    truncate=N            cut the message to its first N bytes
    corrupt=compression-loop
                          answer RR whose owner is a compression pointer to
                          itself
    corrupt=label-64      answer RR whose owner has a 64-octet label
    from=other-port       send the datagram from another socket (a source
                          port the client never asked)
"""

import os
import selectors
import socket
import struct
import sys

from dnslib import DNSRecord, QTYPE, RCODE, RR, TXT, DNSLabel


def load_cases(directory):
    cases = {}
    for fn in sorted(os.listdir(directory)):
        if not fn.endswith(".case"):
            continue
        case = {"rr": [], "udp": [], "tcp": [], "udp#": {}}
        with open(os.path.join(directory, fn), encoding="utf-8") as fp:
            for lineno, line in enumerate(fp, 1):
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                line = line.split(" #", 1)[0].rstrip()
                key, _, rest = line.partition(":")
                key, rest = key.strip(), rest.strip()
                if key == "rr":
                    case["rr"].append(rest)
                elif key in ("udp", "tcp"):
                    case[key].append(rest.split())
                elif key.startswith("udp#") and key[4:].isdigit():
                    case["udp#"].setdefault(int(key[4:]), []).append(rest.split())
                else:
                    sys.exit("%s:%d: unknown directive %r" % (fn, lineno, key))
        cases[fn[:-5].lower()] = case
    return cases


def name_wire(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def corrupt_message(query, how):
    """A reply whose answer RR owner is broken in the way asked."""
    qname = str(query.q.qname)
    header = struct.pack("!HHHHHH", query.header.id, 0x8400, 1, 1, 0, 0)
    question = name_wire(qname) + struct.pack("!HH", query.q.qtype, 1)
    rdata = b"\xc0\x00\x02\x01"
    if how == "compression-loop":
        at = len(header) + len(question)
        owner = struct.pack("!H", 0xC000 | at)      # points at itself
    elif how == "label-64":
        owner = b"\x40" + b"a" * 64 + b"\0"
    else:
        raise ValueError(how)
    rr = owner + struct.pack("!HHIH", 1, 1, 300, len(rdata)) + rdata
    return header + question + rr


def build(data, opts, case):
    query = DNSRecord.parse(data)    # a fresh copy: reply() shares the question
    if "corrupt" in opts:
        return corrupt_message(query, opts["corrupt"])
    qname = str(query.q.qname)
    reply = query.reply()          # copies ID and question, QR+AA
    keep = int(opts.get("keep", "0")) if opts.get("tc") == "1" else None
    if opts.get("norr") != "1" and keep != 0:
        for text in case["rr"]:
            for rr in RR.fromZone(text.replace("{qname}", qname)):
                if keep is None or len(reply.rr) < keep:
                    reply.add_answer(rr)
        if "txt-fill" in opts and keep is None:
            n = int(opts["txt-fill"])
            strings = [b"x" * min(255, n - i) for i in range(0, n, 255)]
            reply.add_answer(RR(qname, QTYPE.TXT, ttl=300, rdata=TXT(strings)))
    if opts.get("tc") == "1":
        reply.header.tc = 1
    # dnslib's reply() copies the query's flags; mailctl asks with AD=1
    # (RFC 6840 5.7), so clear it unless the case sets it.
    reply.header.ad = 1 if opts.get("ad") == "1" else 0
    reply.header.cd = 0
    if "rcode" in opts:
        reply.header.rcode = getattr(RCODE, opts["rcode"])
    if "qname" in opts:
        reply.q.qname = DNSLabel(opts["qname"])
    if "qtype" in opts:
        reply.q.qtype = getattr(QTYPE, opts["qtype"])
    if opts.get("id") == "wrong":
        reply.header.id = (query.header.id + 1) & 0xFFFF
    wire = reply.pack()
    if "truncate" in opts:
        wire = wire[: int(opts["truncate"])]
    return wire


class Server:
    def __init__(self, cases):
        self.cases = cases
        self.counts = {}
        self.udp, self.tcp = self.bind()
        self.other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.other.bind(("127.0.0.1", 0))

    @staticmethod
    def bind():
        for _ in range(50):
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            udp.bind(("127.0.0.1", 0))
            port = udp.getsockname()[1]
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                tcp.bind(("127.0.0.1", port))
            except OSError:
                udp.close()
                tcp.close()
                continue
            tcp.listen(64)
            return udp, tcp
        sys.exit("hostile_dns: no free port")

    def replies(self, data, transport):
        """(wire, opts) pairs to send for one query."""
        try:
            query = DNSRecord.parse(data)
        except Exception:        # not a DNS query: ignore it
            return []
        label = str(query.q.qname).split(".")[0].lower()
        case = self.cases.get(label)
        if case is None:
            reply = query.reply()
            reply.header.rcode = RCODE.REFUSED
            return [(reply.pack(), {})]
        if transport == "udp":
            n = self.counts[label] = self.counts.get(label, 0) + 1
            actions = case["udp#"].get(n, case["udp"])
        else:
            actions = case["tcp"]
        out = []
        for action in actions:
            if not action or action[0] == "none":
                continue
            opts = dict(o.split("=", 1) for o in action[1:])
            out.append((build(data, opts, case), opts))
        return out

    def on_udp(self):
        data, peer = self.udp.recvfrom(65535)
        for wire, opts in self.replies(data, "udp"):
            sock = self.other if opts.get("from") == "other-port" else self.udp
            sock.sendto(wire, peer)

    def on_tcp(self):
        conn, _ = self.tcp.accept()
        conn.settimeout(5)
        try:
            head = conn.recv(2, socket.MSG_WAITALL)
            if len(head) != 2:
                return
            data = conn.recv(struct.unpack("!H", head)[0], socket.MSG_WAITALL)
            for wire, _ in self.replies(data, "tcp"):
                conn.sendall(struct.pack("!H", len(wire)) + wire)
        except OSError:
            pass
        finally:
            conn.close()

    def run(self):
        sel = selectors.DefaultSelector()
        sel.register(self.udp, selectors.EVENT_READ, self.on_udp)
        sel.register(self.tcp, selectors.EVENT_READ, self.on_tcp)
        print(self.udp.getsockname()[1], flush=True)
        while True:
            for key, _ in sel.select():
                key.data()


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.join(here, "..", "..", "testdata", "hostile")
    directory = sys.argv[1] if len(sys.argv) > 1 else default
    Server(load_cases(directory)).run()


if __name__ == "__main__":
    main()
