#!/usr/bin/python3
"""count_smtp.py STATS [DELAY_MS] - an SMTP listener that counts connections.

Listens on 127.0.0.1 at a free port, prints the port on stdout, and serves
every connection on a thread of its own until killed: after DELAY_MS (default
200: a slow server, so that connections a client makes at once overlap) it
says 220, answers EHLO/HELO (no STARTTLS), 221 to QUIT, 502 to the rest.
STATS is rewritten (atomically) whenever a connection opens or ends:
"TOTAL MAX" - connections accepted, and the most open at one time.  A
connection counts as closed when it says QUIT (before the 221 goes out, so a
client that waited for the 221 never sees itself counted) or goes away.
"""
import os
import socket
import sys
import threading
import time

LOCK = threading.Lock()
STATE = {"open": 0, "max": 0, "total": 0}


def write_stats(path):
    tmp = path + ".tmp"
    with open(tmp, "w") as fp:
        fp.write("%d %d\n" % (STATE["total"], STATE["max"]))
    os.replace(tmp, path)


def change(path, delta):
    with LOCK:
        STATE["open"] += delta
        if delta > 0:
            STATE["total"] += 1
            STATE["max"] = max(STATE["max"], STATE["open"])
        write_stats(path)


def serve(conn, path, delay):
    closed = False
    try:
        time.sleep(delay)
        conn.sendall(b"220 count.test ESMTP\r\n")
        buf = b""
        while True:
            data = conn.recv(4096)
            if not data:
                break
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                verb = line.strip().split(b" ")[0].upper()
                if verb == b"EHLO":
                    conn.sendall(b"250-count.test\r\n250 PIPELINING\r\n")
                elif verb == b"HELO":
                    conn.sendall(b"250 count.test\r\n")
                elif verb == b"QUIT":
                    change(path, -1)
                    closed = True
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"502 not here\r\n")
    except OSError:
        pass
    finally:
        if not closed:
            change(path, -1)
        conn.close()


def main():
    path = sys.argv[1]
    delay = (int(sys.argv[2]) if len(sys.argv) > 2 else 200) / 1000.0
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    with LOCK:
        write_stats(path)
    print(srv.getsockname()[1], flush=True)
    while True:
        conn, _ = srv.accept()
        change(path, +1)
        threading.Thread(target=serve, args=(conn, path, delay), daemon=True).start()


if __name__ == "__main__":
    main()
