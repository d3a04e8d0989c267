#!/usr/bin/env python3
"""Floods a running NanoReasoner learner (CURVE on, the default) with malformed messages.

  scripts/malformed_flood.py --keys KEYS --port BASE [--count 100000] [--seconds 60] [--out flood.json]

KEYS is the cluster's key folder: KEYS/learner.key and KEYS/workers/flooder/ (made with
`nanoreasoner keygen KEYS --workers flooder` before the learner starts), so the flood gets
through CURVE and ZAP to the decoders. It sends:

  * COUNT malformed messages, round-robin over the three ports that read messages: work
    (ROUTER; we are DEALERs), trajectories (PULL; we PUSH) and verify (ROUTER; DEALERs),
    two connections each. Kinds: random bytes, too short, bad magic, wrong version, unknown
    type, unknown flags, truncated body, payload over the limit, bad CRC, LZ4 length
    over-claim, corrupt LZ4, payload/body length mismatch, valid envelope with a garbage
    payload, wrong frame count. The learner's decoder reason for each is predicted
    (`expectedByReason`), mirroring Frame.decode's order of checks.
  * One message over cluster.max_message_bytes per port, each on its own connection:
    libzmq disconnects the peer before the learner sees it (expected count 0).
  * The weights port (PUB) cannot deliver anything to the learner's code: it gets SUB
    connect/disconnect churn and an XSUB sending non-subscription garbage, which libzmq's
    PUB discards by design (and reads only 4 at a time, when the learner publishes: the rest
    is dropped when we close); every port also gets raw TCP garbage (fails the ZMTP greeting).
  * A burst of CURVE clients with a key not in allowed_workers (one handshake each, the
    learner's ZAP handler refuses it: security.refusedHandshakes) and of plain-text clients
    with no key (refused at the ZMTP greeting, before ZAP: not counted there).
Writes what was sent and what the learner should count as JSON (--out, and stdout's last line).
"""
import argparse, json, os, random, socket, struct, sys, time, zlib
import zmq
from zmq.utils.monitor import recv_monitor_message

TYPES = range(1, 11)


def envelope(body, type_=5, flags=0, payload_len=None, body_len=None, crc=None, magic=b"NRWP", version=1):
    return magic + struct.pack("<HBBIII", version, type_, flags, len(body) if payload_len is None else payload_len,
                               len(body) if body_len is None else body_len,
                               zlib.crc32(body) if crc is None else crc) + body


def malformed(kind, r, limit):
    """One malformed message of `kind`: (frames, the reason the learner's decoder gives)."""
    body = r.randbytes(r.randint(1, 300))
    t = r.choice(TYPES)
    if kind == "random_bytes":
        b = bytearray(r.randbytes(r.randint(20, 300)))
        if b[0] == ord("N"): b[0] = 0
        return [bytes(b)], "bad_magic"
    if kind == "too_short": return [r.randbytes(r.randint(0, 19))], "too_short"
    if kind == "bad_magic": return [envelope(body, t, magic=b"NRWQ")], "bad_magic"
    if kind == "wrong_version": return [envelope(body, t, version=r.choice([0, 2, 3, 255, 65535]))], "wrong_version"
    if kind == "unknown_type": return [envelope(body, r.choice([0] + list(range(11, 256))))], "unknown_type"
    if kind == "unknown_flags": return [envelope(body, t, flags=r.randint(2, 255))], "unknown_flags"
    if kind == "truncated": return [envelope(body, t, body_len=len(body) + r.randint(1, 4096))], "length_mismatch"
    if kind == "too_large": return [envelope(body, t, payload_len=r.randint(limit + 1, 2**32 - 1))], "too_large"
    if kind == "bad_crc": return [envelope(body, t, crc=zlib.crc32(body) ^ (1 << r.randint(0, 31)))], "checksum"
    if kind == "lz4_overclaim": return [envelope(body, t, flags=1, payload_len=255 * len(body) + 17 + r.randint(0, 1000))], "invalid"
    if kind == "lz4_corrupt":  # a literal, then match offset 0: LZ4_decompress_safe fails
        b = b"\x10A\x00\x00" + r.randbytes(r.randint(0, 50))
        return [envelope(b, t, flags=1, payload_len=r.randint(1, 255 * len(b)))], "decompression"
    if kind == "payload_mismatch": return [envelope(body, t, payload_len=len(body) + r.randint(1, 100))], "length_mismatch"
    if kind == "garbage_payload":  # every count or string length 0xFFFFFFFF, roles 0xFF
        return [envelope(b"\xff" * 24 + r.randbytes(r.randint(0, 200)), t)], "invalid" if t in (1, 8) else "truncated"
    if kind == "frame_count":
        return [envelope(body, t) if r.random() < 0.5 else r.randbytes(r.randint(0, 64)) for _ in range(r.randint(2, 3))], "invalid"
    raise ValueError(kind)


KINDS = ["random_bytes", "too_short", "bad_magic", "wrong_version", "unknown_type", "unknown_flags", "truncated", "too_large",
         "bad_crc", "lz4_overclaim", "lz4_corrupt", "payload_mismatch", "garbage_payload", "frame_count"]
MONITORED = zmq.EVENT_HANDSHAKE_SUCCEEDED | zmq.EVENT_HANDSHAKE_FAILED_AUTH | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL \
    | zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL | zmq.EVENT_DISCONNECTED


class Client:
    """A socket with a monitor; `curve` is (server_public, public, secret) or None (plain text)."""

    def __init__(self, ctx, kind, endpoint, curve, reconnect=True):
        self.s = ctx.socket(kind)
        if curve:
            self.s.curve_serverkey, self.s.curve_publickey, self.s.curve_secretkey = curve
        if not reconnect: self.s.setsockopt(zmq.RECONNECT_IVL, -1)
        self.s.setsockopt(zmq.LINGER, 60000)
        if kind == zmq.SUB: self.s.setsockopt(zmq.SUBSCRIBE, b"")
        self.mon = self.s.get_monitor_socket(MONITORED)
        self.events = []
        self.s.connect(endpoint)

    def wait(self, events, timeout=10.0):
        """Events until one in `events` arrives (returned) or the timeout (None)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.mon.poll(int(max(deadline - time.time(), 0) * 1000) + 1):
                e = recv_monitor_message(self.mon)["event"]
                self.events.append(e)
                if e & events: return e
        return None

    def close(self, linger=None):
        self.s.disable_monitor()
        self.mon.close(0)
        self.s.close(linger)


def main():
    ap = argparse.ArgumentParser(description="Malformed-message flood against a NanoReasoner learner.")
    ap.add_argument("--keys", required=True); ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1"); ap.add_argument("--count", type=int, default=100_000)
    ap.add_argument("--seconds", type=float, default=60.0, help="spread the flood over this long")
    ap.add_argument("--limit", type=int, default=64 << 20, help="the learner's cluster.max_message_bytes")
    ap.add_argument("--seed", type=int, default=None); ap.add_argument("--out")
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    r = random.Random(seed)
    read = lambda p: open(p).read().strip().encode()
    server = read(f"{a.keys}/learner.key")
    ours = (server, read(f"{a.keys}/workers/flooder/worker.key"), read(f"{a.keys}/workers/flooder/worker.key_secret"))
    ep = {name: f"tcp://{a.host}:{a.port + i}" for i, name in enumerate(["work", "trajectories", "weights", "verify"])}
    kinds = {"work": zmq.DEALER, "trajectories": zmq.PUSH, "weights": zmq.SUB, "verify": zmq.DEALER}
    ctx = zmq.Context()
    res = {"seed": seed, "endpoints": ep}
    t0 = time.time()

    # 1. The flood proper, over authorised connections.
    conns = [(p, Client(ctx, kinds[p], ep[p], ours)) for p in ("work", "trajectories", "verify") for _ in range(2)]
    for p, c in conns:
        if c.wait(zmq.EVENT_HANDSHAKE_SUCCEEDED | zmq.EVENT_HANDSHAKE_FAILED_AUTH) != zmq.EVENT_HANDSHAKE_SUCCEEDED:
            sys.exit(f"the flooder's CURVE handshake on {ep[p]} did not succeed (events {c.events}): is KEYS/workers/flooder allowed?")
    by_kind, by_port, by_reason = {}, {}, {}
    start = time.time()
    for i in range(a.count):
        kind = KINDS[i % len(KINDS)]
        port, c = conns[i % len(conns)]
        frames, reason = malformed(kind, r, a.limit)
        c.s.send_multipart(frames)
        by_kind[kind] = by_kind.get(kind, 0) + 1
        by_port[port] = by_port.get(port, 0) + 1
        by_reason[reason] = by_reason.get(reason, 0) + 1
        if i % 1000 == 999:  # pace: i messages by i / count of the time
            ahead = start + a.seconds * (i + 1) / a.count - time.time()
            if ahead > 0: time.sleep(ahead)
    for _, c in conns: c.close()  # linger: queued messages still go out
    res["flood"] = {"sent": a.count, "seconds": round(time.time() - start, 1), "byKind": by_kind, "byPort": by_port}
    res["expectedByReason"] = by_reason

    # 2. Over the size limit: libzmq drops the connection before the learner's code sees it.
    over = {}
    for p in ("work", "trajectories", "verify"):
        c = Client(ctx, kinds[p], ep[p], ours, reconnect=False)
        c.wait(zmq.EVENT_HANDSHAKE_SUCCEEDED)
        c.s.send(envelope(bytes(a.limit + 1024), 5))
        over[p] = "disconnected by the learner" if c.wait(zmq.EVENT_DISCONNECTED, 30) else "no disconnect seen"
        c.close(0)
    res["overLimit"] = {"sent": len(over), "expectedCounted": 0, "outcome": over}

    # 3. The weights port: churn, and non-subscription messages a PUB discards.
    churn = 0
    for _ in range(200):
        c = Client(ctx, zmq.SUB, ep["weights"], ours)
        churn += c.wait(zmq.EVENT_HANDSHAKE_SUCCEEDED, 5) == zmq.EVENT_HANDSHAKE_SUCCEEDED
        c.close(0)
    x = Client(ctx, zmq.XSUB, ep["weights"], ours)
    x.wait(zmq.EVENT_HANDSHAKE_SUCCEEDED)
    for _ in range(1000):
        b = bytearray(r.randbytes(r.randint(1, 300)))
        b[0] = r.randint(2, 255)  # not 0/1: not an (un)subscription
        x.s.send(bytes(b))
    # A PUB reads what comes upstream only when its owner touches it (the learner publishes every
    # step) and holds 4 messages (receive HWM): most of these wait in our queue, dropped at close.
    x.close(0)
    res["weightsPort"] = {"subChurnHandshakes": churn, "xsubGarbageQueued": 1000, "expectedCounted": 0}

    # 4. Raw TCP garbage on every port (no ZMTP greeting).
    raw = 0
    for p, url in ep.items():
        for _ in range(25):
            with socket.create_connection((a.host, int(url.rsplit(":", 1)[1]))) as s:
                s.sendall(r.randbytes(r.randint(64, 4096)))
                raw += 1
    res["rawTCP"] = {"connections": raw, "expectedCounted": 0}

    # 5. Strangers: a CURVE key not in allowed_workers, and no key at all.
    stranger = zmq.curve_keypair()
    for name, curve in (("unknownKey", (server,) + stranger), ("noKey", None)):
        cs = [(p, Client(ctx, kinds[p], ep[p], curve, reconnect=False)) for p in ep for _ in range(5)]
        queued = 0
        for p, c in cs:
            for _ in range(10 if kinds[p] != zmq.SUB else 0):
                try: c.s.send(malformed("bad_crc", r, a.limit)[0][0], zmq.NOBLOCK); queued += 1
                except zmq.Again: break  # the refused connection is already gone
        outcome = {}
        for p, c in cs:
            e = c.wait(zmq.EVENT_HANDSHAKE_SUCCEEDED | zmq.EVENT_HANDSHAKE_FAILED_AUTH | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL
                       | zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL, 10)
            key = {zmq.EVENT_HANDSHAKE_FAILED_AUTH: "refusedByZAP", zmq.EVENT_HANDSHAKE_SUCCEEDED: "admitted",
                   zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL: "protocolError", zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL: "failedNoDetail"}.get(e, "noEvent")
            outcome[key] = outcome.get(key, 0) + 1
            c.close(0)
        res[name] = {"sockets": len(cs), "messagesQueued": queued, "outcome": outcome}
    res["expectedRefusedHandshakes"] = res["unknownKey"]["outcome"].get("refusedByZAP", 0)
    res["expectedRejectedTotal"] = sum(by_reason.values())
    res["seconds"] = round(time.time() - t0, 1)
    ctx.term()
    text = json.dumps(res, indent=2)
    if a.out: open(a.out, "w").write(text)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
