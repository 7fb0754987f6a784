#!/usr/bin/env python3
"""A plain vidgear NetGear receiver for configs/vidgear-clients.yaml (multi-client mode).

Runs as it is with vidgear installed (pip install vidgear simplejpeg opencv-python):

    python examples/vidgear_receiver.py --port 5567            # prints frames per second
    python examples/vidgear_receiver.py --port 5567 --show     # also shows the video

It receives until the sender ends the stream (media-router sends vidgear's terminate message
in multi-client PUB/SUB mode too) or --seconds pass, then prints a JSON summary line.
"""
import argparse
import json
import time

from vidgear.gears import NetGear


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--address", default="127.0.0.1", help="this machine's IP, the one the sender connects to")
    p.add_argument("--port", default="5567", help="this receiver's own port (one per receiver)")
    p.add_argument("--seconds", type=float, default=0, help="stop after this long (0: until the stream ends)")
    p.add_argument("--subscriber-timeout", type=int, default=10,
                   help="seconds without frames after which the receiver gives up (vidgear's subscriber_timeout)")
    p.add_argument("--show", action="store_true", help="show the frames in a window (needs a display)")
    args = p.parse_args()

    options = {"multiclient_mode": True, "subscriber_timeout": args.subscriber_timeout}
    client = NetGear(address=args.address, port=args.port, protocol="tcp", pattern=2,
                     receive_mode=True, logging=False, **options)
    print(json.dumps({"ready": True, "port": args.port}), flush=True)
    frames, start, last_report = 0, None, time.time()
    shape = None
    try:
        while True:
            frame = client.recv()
            if frame is None:
                break
            frames += 1
            shape = list(frame.shape)
            start = start or time.time()
            if args.show:
                import cv2
                cv2.imshow("media-router on port %s" % args.port, frame)
                if cv2.waitKey(1) & 0xFF == ord("q"):
                    break
            now = time.time()
            if now - last_report >= 1:
                print("port %s: %d frames, %.1f fps" % (args.port, frames, frames / max(1e-6, now - start)), flush=True)
                last_report = now
            if args.seconds and now - (start or now) >= args.seconds:
                break
    finally:
        client.close(kill=True)
    elapsed = time.time() - start if start else 0
    print(json.dumps({"port": args.port, "frames": frames, "fps": frames / elapsed if elapsed else 0, "shape": shape}), flush=True)


if __name__ == "__main__":
    main()
