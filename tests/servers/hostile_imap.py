#!/usr/bin/python3
"""hostile_imap.py BEHAVIOUR - a scripted IMAP server that misbehaves one way.

Listens on 127.0.0.1 at a free port, prints the port on stdout, serves one
connection, then exits.  Behaviours:
  huge-literal   answers the first command with a 1 GiB literal announcement
                 and then trickles bytes
  unfinished     answers the first command with half a line, then silence
  endless        answers the first command with untagged lines forever
  drop-tls       offers STARTTLS, says OK, then closes instead of TLS
  bye            greets with BYE
"""
import socket
import sys
import time

GREETING = b"* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] hostile ready\r\n"


def first_tag(conn):
    buf = b""
    while b"\n" not in buf:
        data = conn.recv(4096)
        if not data:
            return None
        buf += data
    return buf.split(b" ", 1)[0]


def hold(conn, limit=30):
    """Keep the connection open and silent until the client goes away."""
    conn.settimeout(limit)
    try:
        while conn.recv(65536):
            pass
    except OSError:
        pass


def serve(conn, how):
    if how == "bye":
        conn.sendall(b"* BYE go away\r\n")
        return
    conn.sendall(GREETING)
    tag = first_tag(conn)
    if tag is None:
        return
    if how == "huge-literal":
        conn.sendall(b"* 1 FETCH (BODY[HEADER] {1073741824}\r\n")
        try:
            for _ in range(3000):
                conn.sendall(b"x" * 1024)
                time.sleep(0.01)
        except OSError:
            return
    elif how == "unfinished":
        conn.sendall(b"* CAPABILITY IMAP4rev1 STARTT")
        hold(conn)
    elif how == "endless":
        try:
            while True:
                conn.sendall(b"* OK still going\r\n" * 512)
        except OSError:
            return
    elif how == "drop-tls":
        conn.sendall(tag + b" OK begin TLS now\r\n")
        return
    hold(conn)


def main():
    how = sys.argv[1]
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    print(srv.getsockname()[1], flush=True)
    srv.settimeout(60)
    try:
        conn, _ = srv.accept()
    except OSError:
        return
    try:
        serve(conn, how)
    except OSError:
        pass
    finally:
        conn.close()


if __name__ == "__main__":
    main()
