#!/usr/bin/python3
"""auth_smtp.py CERT KEY USER PASSWORD OUTDIR - a submission server with AUTH.

A real aiosmtpd (Debian python3-aiosmtpd) on 127.0.0.1 at a free port
(printed on stdout): STARTTLS with the given certificate, AUTH PLAIN and
LOGIN only after TLS, one account; accepted messages are written to
OUTDIR/N.eml.  Runs until killed.
"""
import asyncio
import warnings
import os
import socket
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def main():
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    cert, key, user, password, outdir = sys.argv[1:6]
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    count = [0]

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            count[0] += 1
            path = os.path.join(outdir, "%d.eml" % count[0])
            with open(path, "wb") as fp:
                fp.write(envelope.original_content or envelope.content)
            return "250 2.0.0 Ok: queued as AUTHQ%d" % count[0]

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == user.encode() and auth_data.password == password.encode())
        return AuthResult(success=ok, handled=False)

    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    factory = lambda: SMTP(Handler(), hostname="submit.test", tls_context=ctx,
                           require_starttls=True, authenticator=authenticator,
                           auth_required=True, auth_require_tls=True)
    server = loop.run_until_complete(loop.create_server(factory, sock=sock))
    print(sock.getsockname()[1], flush=True)
    loop.run_forever()
    server.close()


if __name__ == "__main__":
    main()
