#!/usr/bin/env python3
"""A real vidgear NetGear peer for media-router's interop tests.

It runs vidgear's own NetGear class (the package from PyPI), never a reimplementation, and
prints one JSON line with what happened, so the Swift tests can check both ends.

  vidgear_peer.py send --port 5555 --pattern 1 --secure 2 --jpeg 1 --frames 20 ...
  vidgear_peer.py recv --port 5555 --pattern 2 --frames 20 --timeout 10 ...
  vidgear_peer.py keys --dir DIR          # make keys with vidgear's own generator
"""
import argparse
import json
import logging
import os
import sys
import threading
import time

import numpy as np


def frame_for(i, width, height, gray=False):
    """Frame i: a gradient whose top-left pixel encodes i, so receivers can check order."""
    if gray:
        f = np.zeros((height, width), dtype=np.uint8)
        f[:, :] = (np.arange(width, dtype=np.uint32) * 255 // max(1, width - 1)).astype(np.uint8)
        f[0:8, 0:8] = i % 256
        return f
    f = np.zeros((height, width, 3), dtype=np.uint8)
    f[:, :, 0] = (np.arange(width, dtype=np.uint32) * 255 // max(1, width - 1)).astype(np.uint8)
    f[:, :, 1] = 128
    f[:, :, 2] = (np.arange(height, dtype=np.uint32)[:, None] * 255 // max(1, height - 1)).astype(np.uint8)
    f[0:8, 0:8, :] = i % 256
    return f


def options_from(args):
    opts = {}
    if args.secure:
        opts["secure_mode"] = args.secure
        opts["custom_cert_location"] = args.cert_dir
    opts["jpeg_compression"] = bool(args.jpeg) if args.colorspace is None else args.colorspace
    if args.quality is not None:
        opts["jpeg_compression_quality"] = args.quality
    if args.bidirectional:
        opts["bidirectional_mode"] = True
    if args.multiserver:
        opts["multiserver_mode"] = True
    if args.multiclient:
        opts["multiclient_mode"] = True
    if args.request_timeout is not None:
        opts["request_timeout"] = args.request_timeout
    if args.max_retries is not None:
        opts["max_retries"] = args.max_retries
    if args.subscriber_timeout is not None:
        opts["subscriber_timeout"] = args.subscriber_timeout
    return opts


def port_arg(args):
    if args.ports:
        return [p for p in args.ports.split(",")]
    return str(args.port)


def cmd_send(args):
    from vidgear.gears import NetGear
    opts = options_from(args)
    server = NetGear(address=args.address, port=port_arg(args), protocol=args.protocol, pattern=args.pattern,
                     receive_mode=False, logging=args.verbose, **opts)
    replies = []
    sent = 0
    interval = 1.0 / args.fps if args.fps > 0 else 0
    deadline = time.time() + args.timeout
    start = time.time()
    try:
        while sent < args.frames and time.time() < deadline:
            frame = frame_for(sent, args.width, args.height, gray=args.gray)
            if args.bidirectional or args.message:
                reply = server.send(frame, message={"i": sent, "note": "from vidgear"})
            else:
                reply = server.send(frame)
            if reply is not None:
                if isinstance(reply, tuple):
                    reply = [reply[0], reply[1] if not isinstance(reply[1], np.ndarray) else "ndarray"]
                replies.append(reply if not isinstance(reply, np.ndarray) else "ndarray")
            sent += 1
            if interval:
                time.sleep(max(0, start + sent * interval - time.time()))
    finally:
        server.close()
    print(json.dumps({"sent": sent, "replies": replies[-5:], "reply_count": len(replies)}), flush=True)


def cmd_recv(args):
    from vidgear.gears import NetGear
    opts = options_from(args)
    if args.pattern == 2 and args.subscriber_timeout is None:
        opts["subscriber_timeout"] = max(1, int(args.timeout))
    client = NetGear(address=args.address, port=port_arg(args), protocol=args.protocol, pattern=args.pattern,
                     receive_mode=True, logging=args.verbose, **opts)
    print(json.dumps({"ready": True}), flush=True)
    got = []
    messages = []
    shapes = set()
    dtypes = set()
    corner = []
    means = []
    deadline = time.time() + args.timeout
    timer = threading.Timer(args.timeout + 2, lambda: os._exit(3))
    timer.daemon = True
    timer.start()
    try:
        while len(got) < args.frames and time.time() < deadline:
            if args.bidirectional:
                data = client.recv(return_data={"ack": len(got)})
            else:
                data = client.recv()
            if data is None:
                break
            message = None
            frame = data
            if isinstance(data, tuple):
                frame = data[-1]
                if len(data) == 2 and not args.multiserver:
                    message = data[0]
                elif len(data) >= 2:
                    message = list(data[:-1])
            if message is not None:
                messages.append(message)
            got.append(1)
            shapes.add(tuple(frame.shape))
            dtypes.add(str(frame.dtype))
            corner.append(int(frame[2, 2, 0] if frame.ndim == 3 else frame[2, 2]))
            means.append(float(frame.mean()))
    finally:
        client.close(kill=True)
    print(json.dumps({"received": len(got), "shapes": [list(s) for s in shapes], "dtypes": sorted(dtypes),
                      "corners": corner[:50], "mean": (sum(means) / len(means)) if means else None,
                      "messages": messages[:5]}), flush=True)
    os._exit(0)


def cmd_keys(args):
    from vidgear.gears.helper import generate_auth_certificates
    base = os.path.abspath(args.dir)
    keys, secret, public = generate_auth_certificates(os.path.join(base, ".vidgear"), overwrite=True, logging=False)
    print(json.dumps({"keys": keys, "secret": secret, "public": public}), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["send", "recv", "keys"])
    p.add_argument("--address", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5555)
    p.add_argument("--ports", default=None, help="comma-separated port list for the multi modes")
    p.add_argument("--protocol", default="tcp")
    p.add_argument("--pattern", type=int, default=0)
    p.add_argument("--secure", type=int, default=0)
    p.add_argument("--cert-dir", default=None)
    p.add_argument("--dir", default=None)
    p.add_argument("--jpeg", type=int, default=0)
    p.add_argument("--colorspace", default=None)
    p.add_argument("--quality", type=int, default=None)
    p.add_argument("--gray", action="store_true")
    p.add_argument("--bidirectional", action="store_true")
    p.add_argument("--message", action="store_true")
    p.add_argument("--multiserver", action="store_true")
    p.add_argument("--multiclient", action="store_true")
    p.add_argument("--frames", type=int, default=20)
    p.add_argument("--fps", type=float, default=30)
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--height", type=int, default=48)
    p.add_argument("--timeout", type=float, default=10)
    p.add_argument("--request-timeout", type=int, default=None)
    p.add_argument("--max-retries", type=int, default=None)
    p.add_argument("--subscriber-timeout", type=int, default=None)
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args()
    if not args.verbose:
        logging.disable(logging.CRITICAL)
    {"send": cmd_send, "recv": cmd_recv, "keys": cmd_keys}[args.mode](args)


if __name__ == "__main__":
    main()
