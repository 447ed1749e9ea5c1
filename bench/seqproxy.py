#!/usr/bin/env python3
"""Debugging aid: a TCP proxy that checks the order of the bench's activities on the way to the server.

    python3 bench/seqproxy.py LISTEN_PORT SERVER_PORT

Forwards both directions; on the client -> server side it reads the "p" (publisher) and "s" (sequence)
of every ACTIVITY_MESSAGE the load generator sends and counts sequence breaks (s != last + 1), printed
when a connection closes. Point only the publishers at it, e.g. with the generator's round-robin over
--servers: --servers localhost:LISTEN,localhost:SERVER,... (one entry per client after the first).
This is how the generator's own ordering bug (fixed in e69b3c7) was told apart from the server.
"""
import socket, threading, re, sys
LISTEN, TARGET = int(sys.argv[1]), int(sys.argv[2])
PAT = re.compile(rb'"activity":\{"t":\d+,"p":(\d+),"s":(\d+)')
stats = {"lines": 0, "bad": 0, "first_bad": []}
def pump(src, dst, check):
    last = {}
    tail = b""
    try:
        while True:
            data = src.recv(1 << 20)
            if not data:
                break
            if check:
                buf = tail + data
                cut = buf.rfind(b"\n")
                if cut >= 0:
                    for m in PAT.finditer(buf, 0, cut):
                        p, s = int(m.group(1)), int(m.group(2))
                        stats["lines"] += 1
                        if s != last.get(p, 0) + 1:
                            stats["bad"] += 1
                            if len(stats["first_bad"]) < 5:
                                stats["first_bad"].append((p, last.get(p, 0), s))
                        last[p] = s
                    tail = buf[cut + 1:]
                else:
                    tail = buf
            dst.sendall(data)
    except OSError:
        pass
    finally:
        try: dst.shutdown(socket.SHUT_WR)
        except OSError: pass
        if check:
            print("client->server activity lines %d, sequence breaks %d, first %s" % (stats["lines"], stats["bad"], stats["first_bad"]), flush=True)
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", LISTEN)); srv.listen(64)
print("proxy ready", flush=True)
while True:
    c, _ = srv.accept()
    u = socket.create_connection(("127.0.0.1", TARGET))
    for s in (c, u):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    threading.Thread(target=pump, args=(c, u, True), daemon=True).start()
    threading.Thread(target=pump, args=(u, c, False), daemon=True).start()
