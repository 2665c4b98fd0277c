#!/usr/bin/python3
"""hostile_smtp.py BEHAVIOUR [LOG] - a scripted SMTP server that misbehaves one way.

Listens on 127.0.0.1 at a free port, prints the port on stdout, serves one
connection, then exits.  With LOG, every command line received is appended
to that file as it arrives (what the server saw, for tests to check that
nothing was sent in clear text).  Behaviours:
  long-line       a 1 MiB banner line without end
  endless         a multi-line banner that never ends
  stall-data      normal until the end of DATA, then silence
  421-STEP        "421" at banner|ehlo|starttls|mail|rcpt|data|dot
  bad-tls         offers STARTTLS, says 220, then sends garbage, not TLS
  bad-tls-then-plain  bad-tls on the first connection, then a second
                  connection that offers STARTTLS and takes the mail in clear
  close-mid-reply starts the EHLO reply, then closes the connection
  inject          STARTTLS reply followed by a pipelined fake reply
  garbage         a banner that is not SMTP
  stall           accepts, then says nothing at all
  drop-tls        offers STARTTLS, says 220, reads the ClientHello, closes
  no-starttls     EHLO offers AUTH PLAIN LOGIN but not STARTTLS; takes AUTH
                  and the mail in clear text
  helo-only       refuses EHLO (502), accepts HELO, then as no-starttls
"""
import socket
import sys
import time

EHLO = (b"250-hostile.test\r\n250-PIPELINING\r\n250-STARTTLS\r\n"
        b"250 ENHANCEDSTATUSCODES\r\n")
EHLO_PLAIN = b"250-hostile.test\r\n250-PIPELINING\r\n250 ENHANCEDSTATUSCODES\r\n"
EHLO_AUTH = (b"250-hostile.test\r\n250-PIPELINING\r\n250-AUTH PLAIN LOGIN\r\n"
             b"250 ENHANCEDSTATUSCODES\r\n")
LOG = None


def lines(conn):
    buf = b""
    while True:
        data = conn.recv(65536)
        if not data:
            return
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            if LOG:
                with open(LOG, "ab") as fp:
                    fp.write(line.rstrip(b"\r") + b"\n")
            yield line.rstrip(b"\r")


def wait_closed(conn, limit=30):
    """Hold the connection open (silent) until the client goes away."""
    conn.settimeout(limit)
    try:
        while conn.recv(65536):
            pass
    except OSError:
        pass


def serve(conn, how):
    step = how[4:] if how.startswith("421-") else None
    if how == "long-line":
        try:
            conn.sendall(b"220-" + b"a" * (1024 * 1024))
        except OSError:
            pass
        return wait_closed(conn)
    if how == "endless":
        try:
            while True:
                conn.sendall(b"220-still talking\r\n" * 64)
        except OSError:
            return
    if how == "stall":
        return wait_closed(conn)
    if how == "garbage":
        conn.sendall(b"HELLO THERE\r\n")
        return wait_closed(conn)
    if step == "banner":
        conn.sendall(b"421 4.3.2 Service not available, closing channel\r\n")
        return
    conn.sendall(b"220 hostile.test ESMTP\r\n")
    in_data = False
    for line in lines(conn):
        if in_data:
            if line == b".":
                in_data = False
                if how == "stall-data":
                    return wait_closed(conn)
                if step == "dot":
                    conn.sendall(b"421 4.3.0 closing\r\n")
                    return
                conn.sendall(b"250 2.0.0 Ok: queued as HOSTILE1\r\n")
            continue
        cmd = line.split(b" ")[0].upper()
        if cmd == b"EHLO" and how == "helo-only":
            conn.sendall(b"502 5.5.1 no EHLO here\r\n")
        elif cmd in (b"EHLO", b"HELO"):
            if step == "ehlo":
                conn.sendall(b"421 4.3.0 closing\r\n")
                return
            if how == "close-mid-reply":
                conn.sendall(b"250-hostile.test\r\n250-PIPELI")
                return
            wants_tls = how in ("bad-tls", "inject", "421-starttls", "offer-tls", "drop-tls")
            if how in ("no-starttls", "helo-only"):
                conn.sendall(EHLO_AUTH if cmd == b"EHLO" else b"250 hostile.test\r\n")
            else:
                conn.sendall(EHLO if wants_tls else EHLO_PLAIN)
        elif cmd == b"STARTTLS":
            if step == "starttls":
                conn.sendall(b"421 4.3.0 closing\r\n")
                return
            if how == "inject":
                conn.sendall(b"220 2.0.0 Ready\r\n250 2.0.0 injected\r\n")
                return wait_closed(conn, 10)
            conn.sendall(b"220 2.0.0 Ready\r\n")
            if how == "drop-tls":
                conn.recv(65536)
                return
            if how == "bad-tls":
                conn.sendall(b"\x15\x03\x01\x00\x02garbage, not a TLS record" * 4)
                return wait_closed(conn, 10)
        elif cmd == b"AUTH":
            conn.sendall(b"235 2.7.0 Authentication successful\r\n")
        elif cmd == b"MAIL":
            conn.sendall(b"421 4.3.0 closing\r\n" if step == "mail" else b"250 2.1.0 Ok\r\n")
            if step == "mail":
                return
        elif cmd == b"RCPT":
            conn.sendall(b"421 4.3.0 closing\r\n" if step == "rcpt" else b"250 2.1.5 Ok\r\n")
            if step == "rcpt":
                return
        elif cmd == b"DATA":
            if step == "data":
                conn.sendall(b"421 4.3.0 closing\r\n")
                return
            conn.sendall(b"354 go ahead\r\n")
            in_data = True
        elif cmd == b"QUIT":
            conn.sendall(b"221 2.0.0 Bye\r\n")
            return
        else:
            conn.sendall(b"502 5.5.2 what\r\n")


def main():
    global LOG
    how = sys.argv[1]
    LOG = sys.argv[2] if len(sys.argv) > 2 else None
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    print(srv.getsockname()[1], flush=True)
    srv.settimeout(60)
    script = ["bad-tls", "offer-tls"] if how == "bad-tls-then-plain" else [how]
    for step in script:
        try:
            conn, _ = srv.accept()
        except OSError:
            return
        try:
            serve(conn, step)
        except OSError:
            pass
        finally:
            time.sleep(0)   # nothing to wait for; close at once
            conn.close()


if __name__ == "__main__":
    main()
