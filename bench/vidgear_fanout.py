#!/usr/bin/env python3
"""vidgear's multi-client mode for media-router's fan-out benchmark (media-router-bench fanout).

  vidgear_fanout.py recv --port P --stats FILE     # one receiver; writes {"frames": n, "time": ns} every 250 ms
  vidgear_fanout.py send --ports P1,P2,... --fps 30 --width 1280 --height 720

The sender sends the same textured picture every frame; vidgear JPEG-encodes it once per frame
(quality 85, like the media-router run) and PUBlishes it to every receiver. No secure mode:
vidgear's SUB receiver sets RCVHWM=1, with which a CURVE server behind a ZAP handler never
delivers a frame.
"""
import argparse
import json
import logging
import os
import threading
import time

import numpy as np


def textured(width, height):
    rng = np.random.default_rng(12345)
    noise = rng.integers(-16, 16, (height, width, 3), dtype=np.int32)
    x = np.arange(width, dtype=np.int32)[None, :] * 255 // width
    y = np.arange(height, dtype=np.int32)[:, None] * 255 // height
    img = np.zeros((height, width, 3), dtype=np.int32)
    img[:, :, 0] = x
    img[:, :, 1] = y
    img[:, :, 2] = (x + y) * 127 // ((width + height) // 255 + 1) // 255
    return np.clip(img + noise, 0, 255).astype(np.uint8)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("role", choices=["send", "recv"])
    p.add_argument("--port", default="5567")
    p.add_argument("--ports", default="")
    p.add_argument("--stats", default=None)
    p.add_argument("--fps", type=float, default=30)
    p.add_argument("--width", type=int, default=1280)
    p.add_argument("--height", type=int, default=720)
    args = p.parse_args()
    logging.disable(logging.CRITICAL)
    from vidgear.gears import NetGear

    if args.role == "send":
        frame = textured(args.width, args.height)
        ports = [x for x in args.ports.split(",") if x]
        server = NetGear(address="127.0.0.1", port=ports, pattern=2, receive_mode=False, logging=False,
                         multiclient_mode=True, jpeg_compression=True, jpeg_compression_quality=85)
        start = time.time()
        n = 0
        try:
            while True:
                server.send(frame)
                n += 1
                time.sleep(max(0, start + n / args.fps - time.time()))
        except KeyboardInterrupt:
            pass
        finally:
            server.close()
        return

    client = NetGear(address="127.0.0.1", port=args.port, pattern=2, receive_mode=True, logging=False,
                     multiclient_mode=True, subscriber_timeout=60)
    count = [0]

    def report():
        while True:
            tmp = args.stats + ".tmp"
            with open(tmp, "w") as f:
                json.dump({"frames": count[0], "time": time.time_ns()}, f)
            os.replace(tmp, args.stats)
            time.sleep(0.25)

    threading.Thread(target=report, daemon=True).start()
    try:
        while True:
            f = client.recv()
            if f is None:
                break
            count[0] += 1
    except KeyboardInterrupt:
        pass
    client.close(kill=True)
    os._exit(0)


if __name__ == "__main__":
    main()
