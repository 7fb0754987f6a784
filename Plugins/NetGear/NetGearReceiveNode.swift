import FrameCodecs
import Foundation
import Logging
import MediaRouter
import TurboJPEG
import ZeroMQ

/// The receiver: reads vidgear's messages, checks every part before trusting it, replies in
/// patterns 0 and 1 as vidgear does, and emits frames without copying them (the ZeroMQ message
/// is the frame's storage). JPEG frames stay JPEG; a node that needs pixels decodes them.
/// Malformed messages are dropped and counted; nothing a peer sends can stop the loop.
final class NetGearReceiveNode: Node {
    // All state is used only by the node's own thread (start and run run on it); other threads
    // reach it through `stopHandle` (see `NetGearConnection`).
    let config: NetGearConfig
    let name: String
    let logger: Logger
    let counters: NodeCounters
    private let connection: NetGearConnection
    let stopHandle: StopHandle
    private let deviceID = NetGearMessage.randomDeviceID()
    private var decoder: JPEGDecoder?
    private var nextSequence: UInt64 = 0
    private var lastSequence: [String: UInt64] = [:]
    /// Senders (by port tag) that sent frames and have not ended, in multi-server mode.
    private var activeSenders = Set<String>()
    /// Senders (by port tag) whose last message was a terminate: a PUB sender repeats it.
    private var endedSenders = Set<String>()
    /// Multi-server senders (by port tag) that have ended their stream at least once.
    private var finishedSenders = Set<String>()
    private var malformedLog = LogThrottle()

    init(config: NetGearConfig, context: NodeContext) {
        self.config = config
        self.name = context.name
        self.logger = context.logger
        self.counters = context.counters
        self.connection = NetGearConnection(config: config, context: context)
        self.stopHandle = connection.stopHandle
    }

    private var factory: NetGearSocketFactory { connection.factory }

    func start() throws {
        // start and run run on the node's own thread.
        try connection.open()
    }

    func run(_ io: NodeIO) throws {
        defer { connection.close(linger: 0) }
        var lastMessage = Clock.monotonicNanoseconds()
        var idlePeriods = 0
        // vidgear's idle timeouts (no frames for so long) are deadlines of the one wait below.
        let idleLimit: Double? = config.pattern == 2 ? config.subscriberTimeout : (config.maxRetries.map { _ in config.requestTimeout * 3 })
        while !connection.isStopRequested {
            try connection.service()
            guard let socket = connection.socket else { return }
            let ready: NetGearConnection.Ready
            do {
                ready = try connection.wait(forSocket: true, until: idleLimit.map { lastMessage + Int64($0 * 1e9) })
            } catch let e as ZMQError where e.isTerminated {
                return
            }
            // The wait may have replaced a refused socket; the new one is polled next time.
            guard socket === connection.socket else { continue }
            if !ready.socket {
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
            while let received = try socket.receiveMultipart(dontWait: true, maxParts: usesEnvelopes ? Self.maxEnvelopeParts + 3 : 3) {
                guard let message = splitEnvelope(received) else { continue }
                lastMessage = Clock.monotonicNanoseconds()
                idlePeriods = 0
                if try handle(message, socket: socket, io: io) == .end { return }
                if connection.isStopRequested { break }
            }
        }
    }

    private enum Outcome { case `continue`, end }

    /// Pattern 1 receives on a ROUTER (see `NetGearSocketFactory.socketType`) and answers each
    /// request through the envelope it came with, as REP does.
    private var usesEnvelopes: Bool { factory.socketType == .router }
    /// The routing id, any labels (a REQ_CORRELATE request id, proxies' ids) and the empty
    /// delimiter of the request being handled; replies go back through them.
    private var envelope: [ZMQMessage] = []
    /// More labels than any REQ or chain of proxies adds; beyond them a message is not a request.
    static let maxEnvelopeParts = 8

    /// Takes the envelope off a request (pattern 1), or returns the message as it is. A message
    /// without one cannot come from a REQ and cannot be answered: it is dropped and counted
    /// (REP drops it silently).
    private func splitEnvelope(_ message: ZMQMultipartMessage) -> ZMQMultipartMessage? {
        guard usesEnvelopes else { return message }
        guard let delimiter = message.parts.indices.dropFirst().first(where: { message[$0].count == 0 }),
              delimiter < Self.maxEnvelopeParts else {
            envelope = []
            counters.countDropped(reason: "malformed_no_envelope")
            if malformedLog.admit() != nil {
                logger.warning("dropped a message that is not a request (no REQ envelope: a peer that does not speak NetGear?) (further ones are counted, logged every 5 s)")
            }
            return nil
        }
        envelope = Array(message.parts[...delimiter])
        return ZMQMultipartMessage(parts: Array(message.parts[(delimiter + 1)...]), discardedPartCount: message.discardedPartCount)
    }

    /// Sends a reply to the request being handled: through its envelope in pattern 1.
    private func sendReply(_ socket: ZMQSocket, _ bytes: [UInt8]) throws -> Bool {
        for label in envelope {
            // A ROUTER never blocks and drops what it cannot route, so a reply is never left
            // half sent.
            guard try withExtendedLifetime(label, { try socket.send(label.bytes, more: true, dontWait: true) }) else { return false }
        }
        return try socket.send(bytes, dontWait: true)
    }

    private func handle(_ message: ZMQMultipartMessage, socket: ZMQSocket, io: NodeIO) throws -> Outcome {
        let arrival = Clock.wallNanoseconds()
        let parts = message.sentPartCount
        let header: ReceivedHeader
        // A two-part message is a frame (or a malformed one): reply at once, before parsing,
        // as vidgear does, so that the sender's round trip does not include our work.
        let repliedEarly = parts == 2
        if repliedEarly { reply(socket, terminate: false) }
        do {
            guard parts == 1 || parts == 2 else { throw MalformedReason.partCount }
            header = try NetGearMessage.parseHeader(message[0].bytes)
            if !header.terminate && parts != 2 { throw MalformedReason.partCount }
        } catch let reason as MalformedReason {
            if !repliedEarly { reply(socket, terminate: false) }
            malformed(reason)
            return .continue
        }
        if header.terminate {
            return terminated(header, socket: socket, replied: repliedEarly)
        }
        let body = message[1]
        let carried = NetGearMessage.incomingMessage(header.message)
        var frame: Frame
        do {
            frame = try makeFrame(header: header, body: body, carriedFormat: carried.format)
        } catch {
            malformed(error)
            return .continue
        }
        let senderKey = Self.portKey(header.port)
        if config.multiserver { activeSenders.insert(senderKey) }
        endedSenders.remove(senderKey)
        // Keyed by what peers send: bounded, so that a peer inventing port tags cannot grow it.
        if lastSequence.count > 1024 { lastSequence.removeAll() }
        // The sender's sequence numbers and capture times come from the peer: they are used
        // only when plausible, so that what flows downstream stays monotonic, with gaps of a
        // bounded size, and times near now (consumers do arithmetic on both).
        frame.sequence = nextSequence
        if let seq = carried.sequence {
            if let last = lastSequence[senderKey], seq > last + 1, seq - last - 1 <= Self.maxGap,
               !(config.multiclient && config.pattern == 1) {
                counters.lost.add(Int(seq - last - 1), ordering: .relaxed)
            }
            lastSequence[senderKey] = seq
            if !config.multiserver, seq >= nextSequence, seq - nextSequence <= Self.maxGap {
                frame.sequence = seq
            }
        }
        nextSequence = frame.sequence + 1
        if let ts = carried.timestamp, ts > 0, abs(arrival - ts) <= Self.maxClockSkew {
            frame.timestamp = ts
            counters.recordLatency(nanoseconds: arrival - ts)
        } else {
            frame.timestamp = arrival
        }
        frame.duration = carried.duration
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
            _ = try sendReply(socket, bytes)
        } catch {
            counters.add("reply_failures")
        }
    }

    private func terminated(_ header: ReceivedHeader, socket: ZMQSocket, replied: Bool) -> Outcome {
        if config.pattern == 1 && !replied {
            _ = try? sendReply(socket, NetGearMessage.terminateReply)
        }
        let key = Self.portKey(header.port)
        if endedSenders.count > 1024 { endedSenders.removeAll() }
        guard endedSenders.insert(key).inserted else {
            counters.add("repeated_terminates")
            return .continue
        }
        counters.add("terminates")
        if config.multiserver {
            // vidgear ends on a terminate from a sender it never heard from, and as soon as the
            // senders it has heard from have ended, even when others have not started yet. We
            // ignore the former and wait for every port of the list (one per sender).
            guard activeSenders.remove(key) != nil else { return .continue }
            if finishedSenders.count < 1024 { finishedSenders.insert(key) }
            let waiting = config.multiserverPorts.filter { !finishedSenders.contains($0) }
            let allDone = waiting.isEmpty || finishedSenders.count >= config.multiserverPorts.count
            if activeSenders.isEmpty && allDone && config.endOnTerminate {
                logger.info("sender on port \(key) ended its stream; every sender has ended: ending the stream")
                return .end
            }
            let notYet = allDone ? "" : ", not heard from port\(waiting.count > 1 ? "s" : "") \(waiting.joined(separator: ", ")) yet"
            logger.info("sender on port \(key) ended its stream; \(activeSenders.count) still sending\(notYet)")
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

    /// The largest jump in a sender's sequence numbers taken as lost frames; a larger one (or a
    /// step back) is a new stream, or a peer making numbers up.
    static let maxGap: UInt64 = 1 << 20
    /// How far a sender's capture time may be from our clock and still be used.
    static let maxClockSkew: Int64 = 86_400 * 1_000_000_000

    /// A sender's port tag as text, the same whether the sender wrote it as 5566 or "5566".
    static func portKey(_ port: JSONValue?) -> String {
        switch port {
        case nil: return ""
        case .int(let n)?: return String(n)
        case .string(let s)?: return s.trimmingCharacters(in: .whitespaces)
        case let other?: return other.pythonJSONString()
        }
    }

    private func malformed(_ reason: MalformedReason) {
        counters.countDropped(reason: "malformed_" + reason.rawValue)
        if malformedLog.admit() != nil {
            logger.warning("dropped a malformed message: \(reason) (further ones are counted, logged every 5 s)")
        }
    }
}
