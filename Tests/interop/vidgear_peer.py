#!/usr/bin/env python3
"""A real vidgear NetGear peer for media-router's interop tests.

It runs vidgear's own NetGear class (the package from PyPI), never a reimplementation, and
prints one JSON line with what happened, so the Swift tests can check both ends.

  vidgear_peer.py send --port 5555 --pattern 1 --secure 2 --jpeg 1 --frames 20 ...
  vidgear_peer.py recv --port 5555 --pattern 2 --frames 20 --timeout 10 ...
  vidgear_peer.py keys --dir DIR          # make keys with vidgear's own generator
  vidgear_peer.py serve                   # fork server, see cmd_serve

Frame i is `frame_for(i)`: a gradient whose top-left 8x8 block holds i % 256 in every
channel. The receiver compares each frame with the frame its corner names, exactly for raw
frames and by mean absolute difference for JPEG, and reports what it saw.

`recv` prints {"ready": true} once vidgear has bound, {"progress": N} after each frame, then a
result line when the stream ends: by the sender's terminate message ("ended": "terminate"), by
--frames ("count"), by vidgear's subscriber timeout ("timeout"), by the test's SIGTERM
("stopped") or by the --timeout watchdog ("deadline"). `send` prints {"progress": N} after each
frame and its result once it has sent --frames frames or got SIGTERM.

A peer lives until its stream ends or the test stops it (SIGTERM): --timeout is only a
watchdog against a peer that outlives a crashed test run, not a window a test relies on. vidgear's recv() returns None as
soon as a terminate arrives, even with frames still queued (netgear-protocol.md §3.2); those
are counted in "left_in_queue" so that a test can tell them from frames lost on the wire.
"""
import argparse
import json
import logging
import os
import signal
import stat
import sys
import threading
import time

import numpy as np


def frame_for(i, width, height, gray=False):
    """Frame i: a gradient whose top-left 8x8 block encodes i, so receivers can check order."""
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


def jsonable(value):
    """A value as JSON can hold it (tuples become lists, arrays a short description)."""
    if isinstance(value, np.ndarray):
        return {"ndarray": list(value.shape), "dtype": str(value.dtype)}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


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


DONE_FILE = None


def finish(code=0):
    """Ends the process at once (vidgear's threads are not daemons), marking it done for the
    fork server's client."""
    sys.stdout.flush()
    sys.stderr.flush()
    if DONE_FILE:
        with open(DONE_FILE, "w") as f:
            f.write(str(code))
    os._exit(code)


def start_watchdog(seconds, code=3):
    """Ends the process if vidgear hangs."""
    timer = threading.Timer(seconds, lambda: finish(code))
    timer.daemon = True
    timer.start()


def progress(n):
    print(json.dumps({"progress": n}), flush=True)


def cmd_send(args):
    from vidgear.gears import NetGear
    start_watchdog(args.timeout + 15)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    opts = options_from(args)
    server = NetGear(address=args.address, port=port_arg(args), protocol=args.protocol, pattern=args.pattern,
                     receive_mode=False, logging=args.verbose, **opts)
    # A PUB drops what it sends before a subscription reaches it: wait for the test's go.
    if args.wait_file:
        limit = time.time() + args.timeout
        while not os.path.exists(args.wait_file) and time.time() < limit and not stop.is_set():
            time.sleep(0.005)
    if args.start_delay:
        time.sleep(args.start_delay)
    replies = []
    reply_count = 0
    sent = 0
    error = None
    interval = 1.0 / args.fps if args.fps > 0 else 0
    deadline = time.time() + args.timeout
    start = time.time()
    try:
        while sent < args.frames and time.time() < deadline and not stop.is_set():
            frame = frame_for(sent, args.width, args.height, gray=args.gray)
            if args.bidirectional or args.message:
                reply = server.send(frame, message={"i": sent, "note": "from vidgear"})
            else:
                reply = server.send(frame)
            if reply is not None:
                reply_count += 1
                if len(replies) < 100:
                    replies.append(jsonable(reply))
            sent += 1
            progress(sent)
            if interval:
                time.sleep(max(0, start + sent * interval - time.time()))
    except Exception as e:  # vidgear raises RuntimeError when the receiver stays silent
        error = "{}: {}".format(type(e).__name__, e)
    finally:
        if not args.no_close:
            server.close()
    print(json.dumps({"sent": sent, "replies": replies, "reply_count": reply_count, "error": error,
                      "stopped": stop.is_set(), "elapsed": time.time() - start}), flush=True)
    finish(0)


def cmd_recv(args):
    from vidgear.gears import NetGear
    opts = options_from(args)
    if args.pattern == 2 and args.subscriber_timeout is None:
        opts["subscriber_timeout"] = max(1, int(args.timeout))
    client = NetGear(address=args.address, port=port_arg(args), protocol=args.protocol, pattern=args.pattern,
                     receive_mode=True, logging=args.verbose, **opts)
    # Re-entrant: the SIGTERM handler reports from the main thread, which may hold it.
    lock = threading.RLock()
    state = {"received": 0, "ended": "deadline", "left_in_queue": 0, "shapes": [], "dtypes": [], "corners": [],
             "exact": 0, "max_diff": 0.0, "messages": [], "ports": []}
    shapes = set()
    dtypes = set()

    def report():
        if state["ended"] == "deadline":
            # Where vidgear was stuck, for the test's failure message.
            import faulthandler
            faulthandler.dump_traceback(all_threads=True)
        with lock:
            state["shapes"] = sorted(list(s) for s in shapes)
            state["dtypes"] = sorted(dtypes)
            print(json.dumps(state), flush=True)
        finish(0)

    if args.bidirectional:
        # vidgear takes return data only through recv(return_data=...), and replies with None to
        # frames that arrive before the first such call; set it now, as a recv() call would.
        client._NetGear__return_data = {"ack": 0}

    # vidgear's recv() can block for good (patterns 0/1 wait for a terminate that may never
    # come), so the test's SIGTERM and the watchdog report what was seen from outside the loop.
    timer = threading.Timer(args.timeout, report)
    timer.daemon = True
    timer.start()

    def stopped(*_):
        with lock:
            state["ended"] = "stopped"
        report()
    signal.signal(signal.SIGTERM, stopped)
    print(json.dumps({"ready": True}), flush=True)
    while True:
        if state["received"] >= args.frames:
            state["ended"] = "count"
            break
        # vidgear's recv() waits by spinning with 10 us sleeps, a whole core per receiver;
        # waiting here for its queue first keeps many receivers from starving each other.
        queue = getattr(client, "_NetGear__queue", None)
        while queue is not None and not queue and not getattr(client, "_NetGear__terminate", False):
            time.sleep(0.001)
        if args.bidirectional:
            data = client.recv(return_data={"ack": state["received"]})
        else:
            data = client.recv()
        if data is None:
            # vidgear queues a None only on its subscriber timeout; a terminate queues nothing.
            queue = list(getattr(client, "_NetGear__queue", []))
            with lock:
                state["ended"] = "timeout" if any(item is None for item in queue) else "terminate"
                state["left_in_queue"] = sum(1 for item in queue if item is not None)
            break
        message = None
        frame = data
        if isinstance(data, tuple):
            frame = data[-1]
            if args.multiserver:
                with lock:
                    state["ports"].append(jsonable(data[0]))
                if len(data) == 3:
                    message = data[1]
            elif len(data) == 2:
                message = data[0]
        corner = int(frame[2, 2, 0] if frame.ndim == 3 else frame[2, 2])
        exact = False
        diff = None
        if frame.ndim >= 2 and frame.shape[0] >= 8 and frame.shape[1] >= 8 and frame.dtype == np.uint8:
            expected = frame_for(corner, frame.shape[1], frame.shape[0], gray=frame.ndim == 2)
            if expected.shape == frame.shape:
                exact = bool(np.array_equal(expected, frame))
                diff = float(np.abs(expected.astype(np.int16) - frame.astype(np.int16)).mean())
        with lock:
            state["received"] += 1
            if message is not None and len(state["messages"]) < 100:
                state["messages"].append(jsonable(message))
            shapes.add(tuple(frame.shape))
            dtypes.add(str(frame.dtype))
            state["corners"].append(corner)
            if exact:
                state["exact"] += 1
            state["max_diff"] = max(state["max_diff"], diff if diff is not None else 255.0)
            if args.multiserver:
                per_port = {}
                for port in state["ports"]:
                    per_port[str(port)] = per_port.get(str(port), 0) + 1
                print(json.dumps({"progress": state["received"], "ports": per_port}), flush=True)
            else:
                progress(state["received"])
    timer.cancel()
    client.close(kill=True)
    report()


def cmd_keys(args):
    from vidgear.gears.helper import generate_auth_certificates
    base = os.path.abspath(args.dir)
    keys, secret, public = generate_auth_certificates(os.path.join(base, ".vidgear"), overwrite=True, logging=False)
    modes = {}
    for folder in (secret, public):
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            modes[path] = oct(stat.S_IMODE(os.stat(path).st_mode))
    print(json.dumps({"keys": keys, "secret": secret, "public": public, "modes": modes}), flush=True)


def cmd_serve(_args):
    """A fork server: imports vidgear once, then forks a peer per request, so that tests
    starting dozens of peers do not pay Python's and vidgear's start-up for each.

    Each stdin line is {"id": N, "args": [...], "out": PATH, "err": PATH}; the child runs
    `vidgear_peer.py ARGS` with stdout and stderr in those files and writes PATH.done (its exit
    code) as it ends. The server answers {"id": N, "pid": PID} on stdout, and ends with stdin.
    """
    import simplejpeg  # noqa: F401
    from vidgear.gears import NetGear  # noqa: F401
    from vidgear.gears.helper import generate_auth_certificates  # noqa: F401
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    print(json.dumps({"serving": True}), flush=True)
    for line in sys.stdin:
        try:
            request = json.loads(line)
        except ValueError:
            continue
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            global DONE_FILE
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            # The test process may have started the server with signals blocked (Foundation's
            # Process does): the test stops a peer with SIGTERM.
            signal.pthread_sigmask(signal.SIG_SETMASK, [])
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.dup2(os.open(request["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), 1)
            os.dup2(os.open(request["err"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), 2)
            DONE_FILE = request["out"] + ".done"
            try:
                main(request["args"])
                finish(0)
            except SystemExit as e:
                finish(e.code if isinstance(e.code, int) else 2)
            except BaseException:
                import traceback
                traceback.print_exc()
                finish(1)
        print(json.dumps({"id": request.get("id"), "pid": pid}), flush=True)


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["send", "recv", "keys", "serve"])
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
    p.add_argument("--timeout", type=float, default=120, help="watchdog: end a peer that outlives its test")
    p.add_argument("--request-timeout", type=int, default=None)
    p.add_argument("--max-retries", type=int, default=None)
    p.add_argument("--subscriber-timeout", type=int, default=None)
    p.add_argument("--no-close", action="store_true", help="send: end without vidgear's close() (no terminate)")
    p.add_argument("--wait-file", default=None, help="send: wait until this file exists before the first frame")
    p.add_argument("--start-delay", type=float, default=0, help="send: seconds to wait before the first frame")
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args(argv)
    if not args.verbose:
        logging.disable(logging.CRITICAL)
    {"send": cmd_send, "recv": cmd_recv, "keys": cmd_keys, "serve": cmd_serve}[args.mode](args)


if __name__ == "__main__":
    main()
