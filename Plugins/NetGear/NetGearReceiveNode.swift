import FrameNodes
import Foundation
import Logging
import MediaRouter
import Synchronization
import TurboJPEG
import ZeroMQ

/// The receiver: reads vidgear's messages, checks every part before trusting it, replies in
/// patterns 0 and 1 as vidgear does, and emits frames without copying them (the ZeroMQ message
/// is the frame's storage). JPEG frames stay JPEG; a node that needs pixels decodes them.
/// Malformed messages are dropped and counted; nothing a peer sends can stop the loop.
final class NetGearReceiveNode: Node, @unchecked Sendable {
    // Safe: all mutable state is used only by the node's own thread (start and run run on it);
    // other threads touch only `wake` and `stopRequested`, which are thread-safe.
    let config: NetGearConfig
    let name: String
    let logger: Logger
    let counters: NodeCounters
    let factory: NetGearSocketFactory
    private let wake = WakePipe()
    private let stopRequested = Atomic<Bool>(false)
    private var socket: ZMQSocket?
    private var watcher: PeerWatcher?
    private var domain: String?
    private let deviceID = NetGearMessage.randomDeviceID()
    private var decoder: JPEGDecoder?
    private var nextSequence: UInt64 = 0
    private var lastSequence: [String: UInt64] = [:]
    /// Senders (by port tag) that sent frames and have not ended, in multi-server mode.
    private var activeSenders = Set<String>()
    private var lastMalformedLog: Int64 = 0

    init(config: NetGearConfig, context: NodeContext) {
        self.config = config
        self.name = context.name
        self.logger = context.logger
        self.counters = context.counters
        self.factory = NetGearSocketFactory(config: config, nodeName: context.name, logger: context.logger, counters: context.counters)
    }

    func start() throws {
        let opened = try factory.open()
        socket = opened.socket
        watcher = PeerWatcher(socket: opened.socket, logger: logger, counters: counters, explainFailures: !config.binds)
        if let d = opened.securityDomain {
            domain = d
            try NetGearSecurity.shared.register(domain: d, policy: try NetGearKeys.policy(for: config, nodeName: name),
                                                owner: .init(logger: logger, counters: counters) { _ in })
        }
        let verb = config.binds ? "bound" : "connecting to"
        logger.info("\(verb) \((config.binds ? opened.boundEndpoints : config.endpoints).joined(separator: ", ")) (pattern \(config.pattern)\(opened.securityDescription.map { ", \($0)" } ?? ", no security"))")
    }

    func stop() {
        stopRequested.store(true, ordering: .releasing)
        wake.signal()
    }

    func run(_ io: NodeIO) throws {
        defer {
            watcher?.close()
            socket?.close(linger: 0)
            socket = nil
            if let domain { NetGearSecurity.shared.unregister(domain: domain) }
        }
        guard let socket else { return }
        var lastMessage = Clock.monotonicNanoseconds()
        var idlePeriods = 0
        let idleLimit: Double? = config.pattern == 2 ? config.subscriberTimeout : (config.maxRetries.map { _ in config.requestTimeout * 3 })
        while !stopRequested.load(ordering: .acquiring) {
            let ready: [ZMQPollEvents]
            do {
                ready = try zmqPoll([ZMQPollItem(socket), ZMQPollItem(fileDescriptor: wake.readFD)], timeout: 500)
            } catch let e as ZMQError where e.isTerminated {
                return
            }
            watcher?.drain()
            if ready[1].contains(.pollIn) { wake.drain() }
            if !ready[0].contains(.pollIn) {
                if let limit = idleLimit, Double(Clock.monotonicNanoseconds() - lastMessage) / 1e9 >= limit {
                    if config.pattern == 2 {
                        logger.warning("no frames for \(Int(limit)) s (subscriber_timeout): ending the stream")
                        return
                    }
                    idlePeriods += 1
                    lastMessage = Clock.monotonicNanoseconds()
                    if let max = config.maxRetries, max > 0, idlePeriods >= max {
                        logger.warning("no sender for \(idlePeriods) periods of \(Int(limit)) s (max_retries): ending the stream")
                        return
                    }
                    logger.info("no sender for \(Int(limit)) s; still waiting")
                }
                continue
            }
            // Drain what is queued before polling again.
            while let message = try socket.receiveMultipart(dontWait: true, maxParts: 3) {
                lastMessage = Clock.monotonicNanoseconds()
                idlePeriods = 0
                if try handle(message, socket: socket, io: io) == .end { return }
                if stopRequested.load(ordering: .relaxed) { break }
            }
        }
    }

    private enum Outcome { case `continue`, end }

    private func handle(_ message: ZMQMultipartMessage, socket: ZMQSocket, io: NodeIO) throws -> Outcome {
        let arrival = Clock.wallNanoseconds()
        let parts = message.sentPartCount
        let header: ReceivedHeader
        do {
            guard parts == 1 || parts == 2 else { throw MalformedReason.partCount }
            header = try NetGearMessage.parseHeader(message[0].bytes)
            if !header.terminate && parts != 2 { throw MalformedReason.partCount }
        } catch let reason as MalformedReason {
            reply(socket, terminate: false)
            malformed(reason)
            return .continue
        }
        if header.terminate {
            return terminated(header, socket: socket)
        }
        reply(socket, terminate: false)
        let body = message[1]
        let carried = NetGearMessage.incomingMessage(header.message)
        var frame: Frame
        do {
            frame = try makeFrame(header: header, body: body, carriedFormat: carried.format)
        } catch {
            malformed(error)
            return .continue
        }
        let senderKey = header.port?.pythonJSONString() ?? ""
        if config.multiserver { activeSenders.insert(senderKey) }
        if let seq = carried.sequence {
            if let last = lastSequence[senderKey], seq > last + 1, !(config.multiclient && config.pattern == 1) {
                counters.lost.add(Int(min(seq - last - 1, 1 << 30)), ordering: .relaxed)
            }
            lastSequence[senderKey] = seq
            frame.sequence = config.multiserver ? nextSequence : seq
        } else {
            frame.sequence = nextSequence
        }
        nextSequence += 1
        if let ts = carried.timestamp, ts > 0 {
            frame.timestamp = ts
            counters.recordLatency(nanoseconds: arrival - ts)
        } else {
            frame.timestamp = arrival
        }
        var metadata = carried.metadata
        if config.multiserver, let port = header.port { metadata = metadata.setting("port", to: port) }
        frame.metadata = metadata
        io.emit(frame)
        return .continue
    }

    private func makeFrame(header: ReceivedHeader, body: ZMQMessage, carriedFormat: PixelFormat?) throws(MalformedReason) -> Frame {
        let count = body.count
        guard count <= config.maxFrameBytes else { throw .tooLarge }
        let payload: FramePayload
        if count > 0, let base = body.bytes.baseAddress {
            payload = FramePayload(borrowing: base, count: count, release: { withExtendedLifetime(body) {} })
        } else {
            payload = FramePayload(copying: [UInt8]())
        }
        if let label = header.jpeg {
            if decoder == nil { decoder = try? JPEGDecoder() }
            guard let decoder else { throw .badJPEG }
            let h = try NetGearMessage.checkJPEG(body.bytes, decoder: decoder, maxPixels: 16384 * 16384)
            var frame = Frame(format: .jpeg, width: h.width, height: h.height, payload: payload, timestamp: 0, sequence: 0)
            if label.colorspace != "BGR" { frame.arrayDType = nil }
            return frame
        }
        let layout = try NetGearMessage.frameLayout(header: header, payloadCount: count, carriedFormat: carriedFormat, maxBytes: config.maxFrameBytes)
        var frame = Frame(format: layout.format, width: layout.width, height: layout.height, payload: payload, timestamp: 0, sequence: 0)
        if layout.format == .array {
            frame.arrayDType = header.dtype
            frame.arrayShape = header.shape
        }
        return frame
    }

    /// Patterns 0 and 1 reply to every frame, right after reading it, as vidgear does.
    private func reply(_ socket: ZMQSocket, terminate: Bool) {
        guard config.pattern < 2 else { return }
        let bytes: [UInt8]
        if config.bidirectional || config.multiclient {
            bytes = NetGearMessage.dataReply(port: config.multiclient ? config.portTag : nil, data: config.returnData)
        } else {
            bytes = NetGearMessage.plainReply(deviceID: deviceID)
        }
        do {
            _ = try socket.send(bytes, dontWait: true)
        } catch {
            counters.add("reply_failures")
        }
    }

    private func terminated(_ header: ReceivedHeader, socket: ZMQSocket) -> Outcome {
        counters.add("terminates")
        if config.pattern == 1 {
            _ = try? socket.send(NetGearMessage.terminateReply, dontWait: true)
        }
        if config.multiserver {
            let key = header.port?.pythonJSONString() ?? ""
            // vidgear ends on a terminate from a sender it never heard from; we ignore those.
            guard activeSenders.remove(key) != nil else { return .continue }
            logger.info("sender on port \(key) ended its stream; \(activeSenders.count) still sending")
            if activeSenders.isEmpty && config.endOnTerminate {
                logger.info("every sender ended: ending the stream")
                return .end
            }
            return .continue
        }
        if config.endOnTerminate {
            logger.info("the sender ended its stream")
            return .end
        }
        logger.info("the sender ended its stream; waiting for it to come back (on_terminate: continue)")
        lastSequence.removeAll()
        return .continue
    }

    private func malformed(_ reason: MalformedReason) {
        counters.countDropped(reason: "malformed_" + reason.rawValue)
        let now = Clock.monotonicNanoseconds()
        if now - lastMalformedLog > 5_000_000_000 {
            lastMalformedLog = now
            logger.warning("dropped a malformed message: \(reason) (further ones are counted, logged every 5 s)")
        }
    }
}
