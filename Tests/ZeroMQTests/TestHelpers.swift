import Foundation
import MediaRouter
import Testing
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

/// Polls `condition` every 10 ms until it holds or `timeout` ms pass.
func eventually(timeout: Int = 2000, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(Double(timeout) / 1000)
    while Date() < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.01)
    }
    return condition()
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

/// Keeps sending `text` on `sender` until `receiver` gets it (PUB/SUB joins late) or the
/// attempts run out; returns the text, skipping older messages still queued.
func sendUntilReceived(_ text: String, from sender: ZMQSocket, to receiver: ZMQSocket, attempts: Int = 100) throws -> String? {
    try receiver.setOption(.receiveTimeout, 20)
    for _ in 0..<attempts {
        try sender.send(text, dontWait: true)
        while let message = try receiver.receiveMessage() {
            if message.string == text { return text }
        }
    }
    return nil
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
