internal import CZeroMQ
import Foundation

/// One received message part, owning libzmq's `zmq_msg_t`.
///
/// The bytes are libzmq's own buffer, not a copy: ``bytes`` stays valid exactly as long as
/// this object lives, so keep the message as the owner of anything that points into it (a
/// frame payload, for example). The `zmq_msg_t` lives at a stable heap address because libzmq
/// stores small messages inside the struct itself. It is closed in `deinit`.
public final class ZMQMessage: @unchecked Sendable {
    // Safe to share: after receive the message is never written again; the base address,
    // size and flag are copied out once, and zmq_msg_close runs once, in deinit. libzmq
    // reference-counts shared message content atomically.
    private let message: UnsafeMutablePointer<zmq_msg_t>
    private let baseAddress: UnsafeRawPointer?

    /// The number of bytes.
    public let count: Int
    /// Whether more parts of the same multipart message follow this one.
    public let more: Bool

    /// Receives one part from a socket, or returns nil when nothing arrives in time
    /// (`EAGAIN`: `dontWait`, or the receive timeout).
    internal static func receive(from handle: UnsafeMutableRawPointer, flags: Int32,
                                 operation: @autoclosure () -> String) throws -> ZMQMessage? {
        let message = UnsafeMutablePointer<zmq_msg_t>.allocate(capacity: 1)
        zmq_msg_init(message)
        do {
            try zmqCall(operation()) { zmq_msg_recv(message, handle, flags) }
        } catch let error as ZMQError where error.isAgain {
            zmq_msg_close(message)
            message.deallocate()
            return nil
        } catch {
            zmq_msg_close(message)
            message.deallocate()
            throw error
        }
        return ZMQMessage(adopting: message)
    }

    private init(adopting message: UnsafeMutablePointer<zmq_msg_t>) {
        self.message = message
        self.count = zmq_msg_size(message)
        self.baseAddress = UnsafeRawPointer(zmq_msg_data(message))
        self.more = zmq_msg_more(message) != 0
    }

    deinit {
        zmq_msg_close(message)
        message.deallocate()
    }

    /// The bytes, valid while this message object is alive. No copy is made.
    public var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: count == 0 ? nil : baseAddress, count: count)
    }

    /// Calls `body` with the bytes; the message stays alive for the duration of the call.
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try withExtendedLifetime(self) { try body(bytes) }
    }

    /// A copy of the bytes.
    public var array: [UInt8] { withUnsafeBytes { Array($0) } }

    /// A copy of the bytes.
    public var data: Data { withUnsafeBytes { Data($0) } }

    /// The bytes decoded as UTF-8, with invalid sequences replaced by U+FFFD.
    public var string: String { withUnsafeBytes { String(decoding: $0, as: UTF8.self) } }

    /// A metadata property of the connection the message came from, or nil if absent.
    ///
    /// Useful names: `"Peer-Address"` (the peer's IP address), `"User-Id"` (what the ZAP
    /// handler returned, here the client's Z85 public key), `"Socket-Type"`, `"Routing-Id"`.
    /// The corresponding C function is `zmq_msg_gets`.
    public func property(_ name: String) -> String? {
        withExtendedLifetime(self) {
            guard let value = zmq_msg_gets(message, name) else { return nil }
            return String(cString: value)
        }
    }
}

extension ZMQMessage: CustomStringConvertible {
    public var description: String {
        "ZMQMessage(\(count) bytes\(more ? ", more" : ""))"
    }
}
