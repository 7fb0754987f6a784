internal import CZeroMQ

/// What happened to a monitored socket's connections; reported by ``ZMQMonitor``.
public struct ZMQSocketEvent: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable, CustomStringConvertible {
        /// A connect completed at the TCP level. Value: the file descriptor.
        case connected
        /// A connect is in progress. Value: errno.
        case connectDelayed
        /// A reconnect was scheduled. Value: the wait in milliseconds.
        case connectRetried
        /// A bind succeeded. Value: the file descriptor.
        case listening
        /// A bind failed. Value: errno.
        case bindFailed
        /// A connection was accepted. Value: the file descriptor.
        case accepted
        /// Accepting a connection failed. Value: errno.
        case acceptFailed
        /// A connection or listener was closed. Value: the file descriptor.
        case closed
        /// Closing failed. Value: errno.
        case closeFailed
        /// A session ended (peer gone, handshake failure, unbind). Value: the file descriptor.
        case disconnected
        /// Monitoring ended: the socket was closed or the monitor stopped. The last event.
        case monitorStopped
        /// The handshake failed for a reason libzmq does not classify (often a timeout).
        case handshakeFailedNoDetail
        /// The ZMTP handshake, including CURVE and ZAP, completed: messages can flow.
        case handshakeSucceeded
        /// The peer broke the protocol, or CURVE decryption failed (a wrong server key shows
        /// up as this on the server). Value: a `ZMQ_PROTOCOL_ERROR_*` code.
        case handshakeFailedProtocol
        /// The ZAP handler refused the peer. Value: the ZAP status code (400, 500).
        case handshakeFailedAuth
        /// An event this module does not know.
        case other(UInt16)

        internal init(cValue: UInt16) {
            switch Int32(cValue) {
            case ZMQ_EVENT_CONNECTED: self = .connected
            case ZMQ_EVENT_CONNECT_DELAYED: self = .connectDelayed
            case ZMQ_EVENT_CONNECT_RETRIED: self = .connectRetried
            case ZMQ_EVENT_LISTENING: self = .listening
            case ZMQ_EVENT_BIND_FAILED: self = .bindFailed
            case ZMQ_EVENT_ACCEPTED: self = .accepted
            case ZMQ_EVENT_ACCEPT_FAILED: self = .acceptFailed
            case ZMQ_EVENT_CLOSED: self = .closed
            case ZMQ_EVENT_CLOSE_FAILED: self = .closeFailed
            case ZMQ_EVENT_DISCONNECTED: self = .disconnected
            case ZMQ_EVENT_MONITOR_STOPPED: self = .monitorStopped
            case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL: self = .handshakeFailedNoDetail
            case ZMQ_EVENT_HANDSHAKE_SUCCEEDED: self = .handshakeSucceeded
            case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL: self = .handshakeFailedProtocol
            case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: self = .handshakeFailedAuth
            default: self = .other(cValue)
            }
        }

        public var description: String {
            switch self {
            case .connected: return "connected"
            case .connectDelayed: return "connect delayed"
            case .connectRetried: return "connect retried"
            case .listening: return "listening"
            case .bindFailed: return "bind failed"
            case .accepted: return "accepted"
            case .acceptFailed: return "accept failed"
            case .closed: return "closed"
            case .closeFailed: return "close failed"
            case .disconnected: return "disconnected"
            case .monitorStopped: return "monitor stopped"
            case .handshakeFailedNoDetail: return "handshake failed"
            case .handshakeSucceeded: return "handshake succeeded"
            case .handshakeFailedProtocol: return "handshake failed (protocol)"
            case .handshakeFailedAuth: return "handshake failed (authentication)"
            case .other(let value): return "event 0x" + String(value, radix: 16)
            }
        }
    }

    /// What happened.
    public let kind: Kind
    /// The event's value: a file descriptor, errno, wait, protocol error or ZAP status code,
    /// depending on ``kind``.
    public let value: UInt32
    /// The endpoint concerned, e.g. `tcp://127.0.0.1:5555` (a connecter's target, or a
    /// listener's own endpoint for accepted connections).
    public let address: String

    public init(kind: Kind, value: UInt32, address: String) {
        self.kind = kind
        self.value = value
        self.address = address
    }

    /// Whether the event reports a handshake failure of any kind.
    public var isHandshakeFailure: Bool {
        switch kind {
        case .handshakeFailedNoDetail, .handshakeFailedProtocol, .handshakeFailedAuth: return true
        default: return false
        }
    }

    public var description: String { "\(kind) (\(value)) \(address)" }

    /// Which rule of the handshake a peer broke, for ``Kind/handshakeFailedProtocol``.
    public enum ProtocolError: Hashable, Sendable {
        /// The two ends use different security mechanisms (CURVE against plaintext).
        case mechanismMismatch
        /// CURVE could not decrypt the peer's hello or initiate: on a server, the client holds
        /// another server key.
        case cryptographic
        /// Some other ZMTP rule: not a ZeroMQ peer, or a broken one.
        case zmtp(UInt32)
        /// The ZAP handler's reply was invalid.
        case zap(UInt32)
        case other(UInt32)
    }

    /// The protocol error of a ``Kind/handshakeFailedProtocol`` event, nil for other kinds.
    public var protocolError: ProtocolError? {
        guard kind == .handshakeFailedProtocol else { return nil }
        switch Int32(bitPattern: value) {
        case ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH: return .mechanismMismatch
        case ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC: return .cryptographic
        case let v where v & 0x7000_0000 == ZMQ_PROTOCOL_ERROR_ZAP_UNSPECIFIED: return .zap(value)
        case let v where v & 0x7000_0000 == ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED: return .zmtp(value)
        default: return .other(value)
        }
    }
}

/// A set of event kinds to monitor, for ``ZMQSocket/startMonitor(events:)``.
public struct ZMQSocketEventSet: OptionSet, Hashable, Sendable {
    public let rawValue: UInt16

    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let connected = Self(rawValue: UInt16(ZMQ_EVENT_CONNECTED))
    public static let connectDelayed = Self(rawValue: UInt16(ZMQ_EVENT_CONNECT_DELAYED))
    public static let connectRetried = Self(rawValue: UInt16(ZMQ_EVENT_CONNECT_RETRIED))
    public static let listening = Self(rawValue: UInt16(ZMQ_EVENT_LISTENING))
    public static let bindFailed = Self(rawValue: UInt16(ZMQ_EVENT_BIND_FAILED))
    public static let accepted = Self(rawValue: UInt16(ZMQ_EVENT_ACCEPTED))
    public static let acceptFailed = Self(rawValue: UInt16(ZMQ_EVENT_ACCEPT_FAILED))
    public static let closed = Self(rawValue: UInt16(ZMQ_EVENT_CLOSED))
    public static let closeFailed = Self(rawValue: UInt16(ZMQ_EVENT_CLOSE_FAILED))
    public static let disconnected = Self(rawValue: UInt16(ZMQ_EVENT_DISCONNECTED))
    public static let monitorStopped = Self(rawValue: UInt16(ZMQ_EVENT_MONITOR_STOPPED))
    public static let handshakeFailedNoDetail = Self(rawValue: UInt16(ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL))
    public static let handshakeSucceeded = Self(rawValue: UInt16(ZMQ_EVENT_HANDSHAKE_SUCCEEDED))
    public static let handshakeFailedProtocol = Self(rawValue: UInt16(ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL))
    public static let handshakeFailedAuth = Self(rawValue: UInt16(ZMQ_EVENT_HANDSHAKE_FAILED_AUTH))

    /// The three handshake failures and the success.
    public static let handshakes: Self = [.handshakeFailedNoDetail, .handshakeSucceeded,
                                          .handshakeFailedProtocol, .handshakeFailedAuth]
    /// Every event.
    public static let all = Self(rawValue: UInt16(ZMQ_EVENT_ALL))
}
