#!/usr/bin/env python3
"""vidgear -> vidgear throughput, for media-router's benchmark (media-router-bench netgear).

Runs one side of a real vidgear NetGear pair and prints one JSON line:
  vidgear_bench.py recv --pattern 2 --secure 1 --jpeg 0 --width 640 --height 480 --duration 3 --port 5600 --keys DIR
  vidgear_bench.py send ... (sends as fast as vidgear allows until killed or --duration passes)
The receiver counts frames from the first to the last one it gets and reports frames/s and
MB/s of frame payload (raw bytes, or JPEG bytes as sent).
"""
import argparse
import json
import logging
import os
import sys
import threading
import time

import numpy as np


def options(args):
    o = {"jpeg_compression": bool(args.jpeg)}
    if args.secure:
        o["secure_mode"] = args.secure
        o["custom_cert_location"] = args.keys
    if args.pattern == 2 and args.role == "recv":
        o["subscriber_timeout"] = int(args.duration) + 5
    return o


def main():
    p = argparse.ArgumentParser()
    p.add_argument("role", choices=["send", "recv"])
    p.add_argument("--pattern", type=int, default=0)
    p.add_argument("--secure", type=int, default=0)
    p.add_argument("--jpeg", type=int, default=0)
    p.add_argument("--width", type=int, default=640)
    p.add_argument("--height", type=int, default=480)
    p.add_argument("--duration", type=float, default=3)
    p.add_argument("--port", type=int, default=5600)
    p.add_argument("--keys", default=None)
    p.add_argument("--fps", type=float, default=0, help="pace the sender (0: as fast as possible)")
    args = p.parse_args()
    logging.disable(logging.CRITICAL)
    from vidgear.gears import NetGear

    if args.role == "send":
        frame = np.random.default_rng(1).integers(0, 255, (args.height, args.width, 3), dtype=np.uint8)
        # A smooth image compresses like camera frames; noise would not.
        frame[:, :, :] = (np.arange(args.width, dtype=np.uint32)[None, :, None] * 255 // args.width).astype(np.uint8)
        server = NetGear(address="127.0.0.1", port=str(args.port), pattern=args.pattern, receive_mode=False, logging=False, **options(args))
        end = time.time() + args.duration
        n = 0
        start = time.time()
        while time.time() < end:
            frame[0, 0:8, 0] = np.frombuffer(time.time_ns().to_bytes(8, "little"), dtype=np.uint8)
            server.send(frame)
            n += 1
            if args.fps:
                time.sleep(max(0, start + n / args.fps - time.time()))
        server.close()
        print(json.dumps({"sent": n}), flush=True)
        return

    client = NetGear(address="127.0.0.1", port=str(args.port), pattern=args.pattern, receive_mode=True, logging=False, **options(args))
    print(json.dumps({"ready": True}), flush=True)
    threading.Timer(args.duration + 15, lambda: os._exit(3)).start()
    first = last = None
    n = 0
    nbytes = 0
    lat = []
    while True:
        f = client.recv()
        if f is None:
            break
        now = time.time_ns()
        if first is None:
            first = time.time()
        last = time.time()
        n += 1
        nbytes += f.nbytes
        if not args.jpeg:
            sent = int.from_bytes(f[0, 0:8, 0].tobytes(), "little")
            if 0 < now - sent < 60_000_000_000:
                lat.append((now - sent) / 1e6)
    client.close(kill=True)
    elapsed = (last - first) if first and last and last > first else 0
    lat.sort()
    out = {"frames": n, "seconds": elapsed, "fps": (n - 1) / elapsed if elapsed > 0 else 0,
           "mbps": nbytes / elapsed / 1e6 if elapsed > 0 else 0,
           "p50_ms": lat[len(lat) // 2] if lat else None, "p99_ms": lat[int(len(lat) * 0.99)] if lat else None}
    print(json.dumps(out), flush=True)
    os._exit(0)


if __name__ == "__main__":
    main()
