import Foundation
import MediaRouter
import Testing
import TestSupport
@testable import ZeroMQ

/// A test-only value shared between the test thread and callbacks from libzmq or the
/// authenticator thread.
final class Shared<Value: Sendable>: @unchecked Sendable {
    // Safe: every access goes through the lock.
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }

    var current: Value { withLock { $0 } }
}

/// The ceiling for libzmq waits on something that should happen (a message, an event), in
/// libzmq's milliseconds: `eventCeiling`, generous for a loaded machine and free when the
/// event comes at once.
let ceilingMs = Int(eventCeiling * 1000)

extension ZMQSocket {
    /// The next message, waited for up to the socket's receive timeout on a thread of its own,
    /// so the test's task (and its #expect) never blocks the cooperative pool.
    func receivedMessage() async throws -> ZMQMessage? {
        try await onDedicatedThread(name: "zmq-receive") { try self.receiveMessage() }
    }

    /// The next multipart message, like `receivedMessage()`.
    func receivedMultipart(maxParts: Int = .max) async throws -> ZMQMultipartMessage? {
        try await onDedicatedThread(name: "zmq-receive") { try self.receiveMultipart(maxParts: maxParts) }
    }
}

extension ZMQMonitor {
    /// The next event within `timeout` ms, read on a thread of its own.
    func nextEvent(timeout: Int = ceilingMs) async throws -> ZMQSocketEvent? {
        try await onDedicatedThread(name: "zmq-monitor") { try self.next(timeout: timeout) }
    }

    /// The first event that satisfies `predicate` within `timeout` ms, read on a thread of its own.
    func firstEvent(timeout: Int = ceilingMs, where predicate: @escaping @Sendable (ZMQSocketEvent) -> Bool) async throws -> ZMQSocketEvent? {
        try await onDedicatedThread(name: "zmq-monitor") { try self.wait(timeout: timeout, for: predicate) }
    }
}

/// A fresh context per test, so tests running in parallel never share a ZAP handler.
func makeContext() throws -> ZMQContext {
    try ZMQContext(ioThreads: 1)
}

/// A new empty folder, mode 0700 (mkdtemp), under the system temp folder.
func makeTemporaryDirectory(_ prefix: String = "zmq-test") -> String {
    var template = Array((NSTemporaryDirectory() + prefix + "-XXXXXXXX").utf8CString)
    let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    precondition(created != nil, "mkdtemp failed")
    return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Keeps sending `text` on `sender` until `receiver` gets it (PUB/SUB joins late) or
/// `eventCeiling` passes; returns the text, skipping older messages still queued. Leaves the
/// receiver's receive timeout at 20 ms.
func sendUntilReceived(_ text: String, from sender: ZMQSocket, to receiver: ZMQSocket) async throws -> String? {
    try await sendMarker(text, from: sender, to: receiver) != nil ? text : nil
}

/// Keeps sending `marker` on `sender` until `receiver` gets it or `eventCeiling` passes, on a
/// thread of its own; returns the other messages that arrived first, nil if the marker never
/// came. A message sent on `sender` before the marker, on the same connection, would be among
/// them: this is how a test shows that something did not arrive. Leaves the receiver's
/// receive timeout at 20 ms.
func sendMarker(_ marker: String, from sender: ZMQSocket, to receiver: ZMQSocket) async throws -> [String]? {
    try await onDedicatedThread(name: "zmq-marker") { () throws -> [String]? in
        try receiver.setOption(.receiveTimeout, 20)
        var before: [String] = []
        let deadline = Date().addingTimeInterval(eventCeiling)
        while Date() < deadline {
            try sender.send(marker, dontWait: true)
            while let message = try receiver.receiveMessage() {
                if message.string == marker { return before }
                before.append(message.string)
            }
        }
        return nil
    }
}

/// Returns once a probe socket that starts now, on the context's I/O thread, has scheduled
/// `rounds` reconnects of `interval` ms, refused each time: that thread then ran `rounds - 1`
/// reconnect timers, each `interval` to 2 × `interval` long with libzmq's jitter. A reconnect
/// that a socket of the same context (one I/O thread) had to schedule earlier with the same
/// interval has by then been reported and tried: the event a "did not reconnect" check waits
/// for, instead of a pause.
func reconnectTimersPassed(context: ZMQContext, interval: Int, rounds: Int = 3) async throws {
    let probe = try ZMQSocket(context: context, type: .push)
    defer { probe.close(linger: 0) }
    try probe.setOption(.linger, 0)
    try probe.setOption(.reconnectInterval, interval)
    let monitor = try probe.startMonitor(events: .connectRetried)
    defer { monitor.close() }
    // Nothing listens on a port freePort() just gave: each attempt is refused at once.
    try probe.connect("tcp://127.0.0.1:\(freePort())")
    for round in 1...rounds {
        let event = try await monitor.nextEvent()
        #expect(event?.kind == .connectRetried, "reconnect round \(round) of the probe: \(String(describing: event))")
    }
}

/// An object whose deinit is counted, standing in for a frame buffer lent to libzmq.
final class CountedOwner: @unchecked Sendable {
    // Safe: immutable after init.
    let bytes: UnsafeMutableRawBufferPointer
    let releases: Shared<Int>

    init(text: String, releases: Shared<Int>) {
        let utf8 = Array(text.utf8)
        bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: utf8.count, alignment: 8)
        bytes.copyBytes(from: utf8)
        self.releases = releases
    }

    deinit {
        bytes.deallocate()
        releases.withLock { $0 += 1 }
    }
}

/// The libzmq test vectors from the zmq_curve man page.
enum KnownKeys {
    static let clientPublic = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"
    static let clientSecret = "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"
    static let serverPublic = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
    static let serverSecret = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"
    static let clientPublicHex = "BB88471D65E2659B30C55A5321CEBB5AAB2B70A398645C26DCA2B2FCB43FC518"
}

extension Array where Element == UInt8 {
    init(hex: String) {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        self = bytes
    }
}

func fileMode(_ path: String) -> Int {
    let attributes = try? FileManager.default.attributesOfItem(atPath: path)
    return (attributes?[.posixPermissions] as? Int) ?? -1
}

/// Starts `auth`, runs `body`, then stops it, also when `body` throws. Starting waits for the
/// authenticator thread to serve and stopping for it to end, so both happen on a thread of
/// their own.
func withAuthenticator<T>(_ auth: ZAPAuthenticator, _ body: () async throws -> T) async throws -> T {
    try await onDedicatedThread(name: "zap-start") { try auth.start() }
    let result: T
    do {
        result = try await body()
    } catch {
        try await onDedicatedThread(name: "zap-stop") { auth.stop() }
        throw error
    }
    try await onDedicatedThread(name: "zap-stop") { auth.stop() }
    return result
}
