import FrameCodecs
import Foundation
import Logging
import MediaRouter
import ZeroMQ

/// The sender: takes frames from its input, encodes JPEG once per frame when asked (frames that
/// are already JPEG go as they are), and sends vidgear's two-part message. In patterns 0 and 1
/// it waits for the receiver's reply; a missing reply reconnects with every socket option kept,
/// and the retry budget resets after each success.
///
/// Its state is used only by its own thread (start and run run on it); other threads reach it
/// through `stopHandle` (see `NetGearConnection`). Idle, it sleeps in one call until a frame
/// arrives, the node is stopped or its connection changes.
final class NetGearSendNode: Node {
    let config: NetGearConfig
    let name: String
    let logger: Logger
    let counters: NodeCounters
    private let connection: NetGearConnection
    let stopHandle: StopHandle
    private let codec = JPEGFrameCodec()
    private var consecutiveTimeouts = 0
    private var knownPorts: [JSONValue] = []
    private var warnedFormats = Set<String>()

    init(config: NetGearConfig, context: NodeContext) {
        self.config = config
        self.name = context.name
        self.logger = context.logger
        self.counters = context.counters
        self.connection = NetGearConnection(config: config, context: context)
        self.stopHandle = connection.stopHandle
    }

    func start() throws {
        // start and run run on the node's own thread.
        try connection.open()
    }

    func run(_ io: NodeIO) throws {
        // What is queued (the last frames, the terminate) may take its time to reach a slow
        // subscriber; zmq_close returns at once and libzmq's reaper thread does the waiting.
        defer { connection.close(linger: config.pattern == 2 ? 3000 : 1000) }
        // `jpeg_threads: N`: frames come JPEG-encoded, in input order, from N workers that
        // encode ahead while this thread sends earlier ones; `prepare` passes them through.
        let pool = config.jpegThreads > 0 ? startEncodingAhead(io) : nil
        defer { pool?.cancel() }
        var warned = false
        while !connection.isStopRequested {
            try connection.service()
            // Takes what is there; with nothing, sleeps until a frame (or the end) arrives, the
            // node is stopped or its connection changes.
            let next: OrderedEncoderPool.Output
            if let pool {
                next = pool.next(timeout: 0)
                if case .timeout = next, pool.armOutputDescriptor() {
                    _ = try connection.wait(descriptor: pool.outputDescriptor)
                }
            } else {
                switch io.receive(timeout: 0) {
                case .frame(let frame): next = .frame(frame)
                case .end: next = .end
                case .timeout:
                    next = .timeout
                    if io.armInputDescriptor() { _ = try connection.wait(descriptor: io.inputDescriptor) }
                }
            }
            switch next {
            case .end:
                sendTerminate()
                return
            case .timeout:
                continue
            case .failed(let error):
                counters.countDropped(reason: "encode_failed")
                if !warned { logger.warning("JPEG encoding failed: \(error)"); warned = true }
            case .frame(let frame):
                try send(frame)
            }
        }
        sendTerminate()
    }

    /// A feeder thread hands input frames to `jpeg_threads` workers that encode them for the wire.
    private func startEncodingAhead(_ io: NodeIO) -> OrderedEncoderPool {
        let config = config
        let pool = OrderedEncoderPool(threads: config.jpegThreads, name: name) { frame in
            try Self.encodeForWire(frame, codec: ThreadCodec.current, config: config)
        }
        pool.feed(from: io)
        return pool
    }

    /// vidgear's jpeg_compression: a raw frame libjpeg-turbo can take becomes JPEG (gray frames
    /// without chroma); anything else is returned as it is.
    private static func encodeForWire(_ frame: Frame, codec: JPEGFrameCodec, config: NetGearConfig) throws -> Frame {
        guard config.jpegEnabled, frame.format != .jpeg, JPEGFrameCodec.jpegFormat(for: frame.format) != nil else { return frame }
        return try codec.encode(frame, quality: config.jpegQuality, subsampling: frame.format == .gray8 ? .gray : .s422, fastDCT: config.fastDCT)
    }

    // MARK: Sending

    private func prepare(_ frame: Frame) -> (header: [UInt8], frame: Frame)? {
        let out: Frame
        var label: JPEGLabel?
        do {
            out = try Self.encodeForWire(frame, codec: codec, config: config)
        } catch {
            counters.countDropped(reason: "encode_failed")
            logger.warning("JPEG encoding failed: \(error)")
            return nil
        }
        var dtype = "", shape: [Int] = []
        if out.format == .jpeg {
            let gray = frame.format == .gray8 || (frame.format == .jpeg && jpegIsGray(out))
            label = JPEGLabel(colorspace: config.jpegColorspace ?? (gray ? "GRAY" : "BGR"), fastDCT: config.fastDCT, fastUpsample: config.fastUpsample)
        } else {
            guard let layout = NetGearMessage.arrayLayout(of: out) else {
                counters.countDropped(reason: "unsupported_format")
                if warnedFormats.insert(out.format.name).inserted {
                    logger.warning("cannot send \(out.format) frames as numpy arrays; dropping them")
                }
                return nil
            }
            dtype = layout.dtype
            shape = layout.shape
        }
        let layoutKey = HeaderLayout(label: label, dtype: dtype, shape: shape)
        if headerTemplate?.layout != layoutKey {
            headerTemplate = NetGearMessage.HeaderTemplate(port: config.portTag, compression: label, pattern: config.pattern,
                                                           dtype: dtype, shape: shape, layout: layoutKey)
        }
        var header = headerTemplate!.prefix
        if config.extraMessage == nil, frame.metadata.isNull, config.carryMetadata {
            // The common case, written directly: our frame info and nothing else.
            NetGearMessage.appendCarriedInfo(of: frame, to: &header)
        } else {
            var message = NetGearMessage.outgoingMessage(for: frame, carryMetadata: config.carryMetadata)
            if let extra = config.extraMessage {
                if case .object(let pairs) = extra {
                    for (k, v) in pairs { message = message.setting(k, to: v) }
                } else {
                    message = message.setting("message", to: extra)
                }
            }
            header.append(contentsOf: message.pythonJSONBytes())
        }
        header.append(contentsOf: headerTemplate!.suffix)
        return (header, out)
    }

    private var grayBySize: (width: Int, height: Int, gray: Bool)?
    private var headerTemplate: NetGearMessage.HeaderTemplate?

    /// Whether JPEG frames that arrive encoded are grayscale; read from the header once per size.
    private func jpegIsGray(_ frame: Frame) -> Bool {
        if let g = grayBySize, g.width == frame.width, g.height == frame.height { return g.gray }
        let gray = (try? codec.header(frame))?.isGrayscale ?? false
        grayBySize = (frame.width, frame.height, gray)
        return gray
    }

    private func send(_ frame: Frame) throws {
        if connection.socket == nil { try connection.reopen(reason: "no socket") }
        // While the receiver refuses this node's key nothing can arrive; the watcher retries
        // the connection, and waiting for replies meanwhile would only stall the graph.
        try connection.service()
        guard let socket = connection.socket else { return }
        if connection.isRefused {
            counters.countDropped(reason: "not_authorized")
            return
        }
        guard let (header, out) = prepare(frame) else { return }
        let payload = out.payload
        let sent: Bool
        do {
            // PUB never blocks; PAIR and REQ may have no peer yet, so a full queue drops the
            // frame (counted) rather than stalling the graph.
            guard try socket.send(header, more: true, dontWait: true) else {
                counters.countDropped(reason: "not_delivered")
                return
            }
            if payload.count > 0 {
                sent = try socket.send(borrowing: payload.baseAddress, count: payload.count, owner: payload, dontWait: false)
            } else {
                sent = try socket.send([UInt8](), dontWait: false)
            }
        } catch let e as ZMQError where e.code == .wrongState {
            // A REQ that lost its reply; the relaxed REQ should not get here, but recover anyway.
            try connection.reopen(reason: "socket in the wrong state")
            counters.countDropped(reason: "not_delivered")
            return
        }
        guard sent else {
            counters.countDropped(reason: "not_delivered")
            return
        }
        counters.countOut(bytes: header.count + payload.count)
        if config.pattern < 2 {
            try awaitReply()
        }
    }

    /// Waits for the receiver's reply to the last frame (patterns 0 and 1), until vidgear's
    /// request timeout; a stop or a connection event wakes the wait, nothing else does.
    private func awaitReply() throws {
        guard let socket = connection.socket else { return }
        let deadline = Clock.monotonicNanoseconds() + Int64(config.requestTimeout * 1e9)
        while Clock.monotonicNanoseconds() < deadline {
            let ready = try connection.wait(forSocket: true, until: deadline)
            if connection.isRefused || socket !== connection.socket {
                // Refused by the receiver's ZAP handler: no reply will come on this connection.
                // Not a timeout (the receiver is there); the watcher reconnects with a backoff.
                counters.add("refused_while_waiting")
                return
            }
            if connection.isStopRequested { return }
            if ready.socket {
                guard let reply = try socket.receiveMultipart(dontWait: true, maxParts: 3) else { continue }
                handleReply(reply)
                consecutiveTimeouts = 0
                return
            }
        }
        consecutiveTimeouts += 1
        counters.add("reply_timeouts")
        let limit = config.maxRetries ?? 3
        if limit > 0 && consecutiveTimeouts >= limit {
            throw RouterError(.timeout, "no reply from the receiver at \(config.endpoints.joined(separator: ", ")) after \(consecutiveTimeouts) tries of \(Int(config.requestTimeout)) s; it seems to be offline")
        }
        try connection.reopen(reason: "no reply within \(Int(config.requestTimeout)) s (try \(consecutiveTimeouts)\(limit > 0 ? " of \(limit)" : ""))")
    }

    private func handleReply(_ reply: ZMQMultipartMessage) {
        counters.add("replies")
        guard config.bidirectional || config.multiclient else { return }
        let first = reply[0]
        guard let json = try? JSONValue.parse(first.bytes) else {
            counters.add("bad_replies")
            return
        }
        if config.multiclient, let port = json["port"], !knownPorts.contains(port) { knownPorts.append(port) }
        if json["return_type"]?.stringValue == "ndarray" {
            counters.add("returned_arrays")
        } else if let data = json["data"], !data.isNull {
            logger.debug("return data: \(data.pythonJSONString())")
        }
    }

    // MARK: Ending

    /// Tells receivers the stream ended; unlike vidgear, also in multi-client PUB/SUB and with
    /// max_retries 0, and repeated with a linger so that a PUB's terminate is not discarded.
    private func sendTerminate() {
        guard let socket = connection.socket else { return }
        connection.readEvents()
        let message = NetGearMessage.terminate(port: config.multiserver ? config.portTag : nil)
        if config.pattern == 2 {
            // A PUB silently drops a message that does not fit in a subscriber's queue, and the
            // queues may still hold the last frames: vidgear's SUB takes one message at a time
            // (RCVHWM 1), slowly on a loaded machine, so a terminate sent at once was often lost
            // and the receiver never ended. With XPUB_NODROP the send fails instead while some
            // subscriber's queue is full; it is tried again as the queues drain, for up to 3 s
            // (or once, when the node is being stopped), and then goes to whoever has room.
            var queued = false
            if (try? socket.setOption(.xpubNoDrop, true)) != nil {
                let deadline = Clock.monotonicNanoseconds() + 3_000_000_000
                while true {
                    queued = (try? socket.send(message, dontWait: true)) == true
                    if queued || connection.isStopRequested || Clock.monotonicNanoseconds() >= deadline { break }
                    // libzmq has no "room in every subscriber's queue" event to wait for.
                    Thread.sleep(forTimeInterval: 0.005)
                }
                try? socket.setOption(.xpubNoDrop, false)
            }
            if !queued {
                _ = try? socket.send(message, dontWait: true)
                counters.add("terminates_unqueued")
            }
            counters.add("terminates_sent")
            return
        }
        let copies = config.pattern == 1 && config.multiclient ? max(1, knownPorts.count) : 1
        for _ in 0..<copies {
            do {
                guard try socket.send(message, dontWait: true) else { break }
                if config.pattern == 1 {
                    // vidgear waits a fifth of the request timeout for the acknowledgement. A late
                    // one does not stop the next copy: the relaxed REQ may send again, and each
                    // copy goes to the next receiver.
                    let ready = try zmqPoll([ZMQPollItem(socket)], timeout: Int(config.requestTimeout * 1000 / 5))
                    if ready[0].contains(.pollIn) { _ = try socket.receiveMultipart(dontWait: true, maxParts: 3) }
                }
            } catch {
                logger.debug("terminate not delivered: \(error)")
                break
            }
        }
        counters.add("terminates_sent")
    }
}
