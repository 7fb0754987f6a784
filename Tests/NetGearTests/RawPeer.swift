import Foundation
import MediaRouter
import TurboJPEG
import ZeroMQ

/// A hand-driven NetGear sender made directly of a ZeroMQ socket, for sending what no
/// well-behaved peer would: it speaks the pattern's socket type, optionally as an
/// authenticated CURVE client, and reads the receiver's replies (PAIR) or waits for them (REQ).
/// Blocking: use it from `onDedicatedThread`.
final class RawPeer: @unchecked Sendable {
    // Safe: used from one thread at a time (the test hands it to `onDedicatedThread` and waits).
    let context: ZMQContext
    let socket: ZMQSocket
    let pattern: Int
    private(set) var sent = 0
    private(set) var replies = 0
    private(set) var missedReplies = 0

    /// Connects to `endpoint`; with `keys`, as the CURVE client of that key folder.
    init(pattern: Int, endpoint: String, keys: String?) throws {
        context = try ZMQContext()
        let type: ZMQSocketType = pattern == 1 ? .req : pattern == 2 ? .pub : .pair
        socket = try ZMQSocket(context: context, type: type)
        try socket.setOption(.linger, 0)
        try socket.setOption(.sendHighWaterMark, 100_000)
        try socket.setOption(.reconnectInterval, 50)
        if type == .req {
            try socket.setOption(.reqRelaxed, true)
            try socket.setOption(.reqCorrelate, true)
        }
        if let keys {
            let store = try VidgearKeyStore(customCertLocation: keys)
            try socket.configureCurveClient(try store.clientKeyPair(), serverKey: try store.serverPublicKey())
        }
        self.pattern = pattern
        try socket.connect(endpoint)
    }

    deinit {
        socket.close(linger: 0)
        context.shutdown()
    }

    /// Sends one message of any number of parts; in pattern 1 waits for its reply (up to
    /// `replyTimeout` ms), in pattern 0 reads the replies that have come.
    func send(_ parts: [[UInt8]], replyTimeout: Int = 2000) throws {
        for (i, part) in parts.enumerated() {
            _ = try socket.send(part, more: i < parts.count - 1)
        }
        sent += 1
        switch pattern {
        case 1:
            let ready = try zmqPoll([ZMQPollItem(socket)], timeout: replyTimeout)
            if ready[0].contains(.pollIn), try socket.receiveMultipart(dontWait: true) != nil {
                replies += 1
            } else {
                missedReplies += 1
            }
        case 0:
            drainReplies()
        default:
            break
        }
    }

    /// Reads the replies that have arrived (PAIR).
    func drainReplies(wait: Int = 0) {
        if wait > 0 { _ = try? zmqPoll([ZMQPollItem(socket)], timeout: wait) }
        while (try? socket.receiveMultipart(dontWait: true)) ?? nil != nil { replies += 1 }
    }
}

/// vidgear's messages, built by hand.
enum Wire {
    static func header(dtype: String = "uint8", shape: [Int], pattern: Int, message: JSONValue = nil) -> [UInt8] {
        JSONValue.object([("terminate_flag", false), ("compression", false), ("message", message),
                          ("pattern", .string(String(pattern))), ("dtype", .string(dtype)),
                          ("shape", .array(shape.map { .int(Int64($0)) }))]).pythonJSONBytes()
    }

    static func jpegHeader(pattern: Int, colorspace: String = "BGR", message: JSONValue = nil) -> [UInt8] {
        JSONValue.object([("terminate_flag", false), ("compression", .object([("dct", true), ("ups", false), ("colorspace", .string(colorspace))])),
                          ("message", message), ("pattern", .string(String(pattern))), ("dtype", ""), ("shape", "")]).pythonJSONBytes()
    }

    static let terminate: [UInt8] = Array(#"{"terminate_flag": true}"#.utf8)

    /// A valid raw BGR frame message, whose top-left block names `index`.
    static func rawFrame(_ index: Int, width: Int = 16, height: Int = 12, pattern: Int) -> [[UInt8]] {
        [header(shape: [height, width, 3], pattern: pattern), indexedFrame(index, width: width, height: height)]
    }

    /// A JPEG of frame `index`.
    static func jpeg(_ index: Int, width: Int = 16, height: Int = 16) -> [UInt8] {
        let pixels = indexedFrame(index, width: width, height: height)
        let encoder = try! JPEGEncoder()
        return try! pixels.withUnsafeBytes { raw in
            try encoder.encode(raw, width: width, height: height, format: .bgr, quality: 90) { Array($0) }
        }
    }
}
