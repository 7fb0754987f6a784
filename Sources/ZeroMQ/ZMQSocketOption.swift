internal import CZeroMQ

/// A typed libzmq socket option, read with ``ZMQSocket/getOption(_:)`` and written with
/// ``ZMQSocket/setOption(_:_:)``:
///
/// ```swift
/// try socket.setOption(.linger, 0)
/// let timeout = try socket.getOption(.receiveTimeout)
/// ```
///
/// Durations are in milliseconds, as libzmq takes them; `-1` means "wait forever" where libzmq
/// allows it. Options marked write-only throw ``ZMQError/Code/invalidArgument`` when read, and
/// read-only ones when written.
public struct ZMQSocketOption<Value>: Sendable, CustomStringConvertible {
    /// libzmq's name for the option, e.g. `ZMQ_LINGER`.
    public let name: String
    internal let write: (@Sendable (UnsafeMutableRawPointer, Value) throws -> Void)?
    internal let read: (@Sendable (UnsafeMutableRawPointer) throws -> Value)?

    public var description: String { name }
}

// MARK: - Integers

extension ZMQSocketOption where Value == Int {
    /// How long unsent messages are kept after ``ZMQSocket/close(linger:)``: 0 drops them,
    /// -1 (the default) waits until they are sent. The corresponding C option is `ZMQ_LINGER`.
    public static var linger: Self { .int32(ZMQ_LINGER, "ZMQ_LINGER") }
    /// The most outgoing messages queued per peer before sends block or drop (default 1000).
    /// The corresponding C option is `ZMQ_SNDHWM`.
    public static var sendHighWaterMark: Self { .int32(ZMQ_SNDHWM, "ZMQ_SNDHWM") }
    /// The most incoming messages queued per peer (default 1000).
    /// The corresponding C option is `ZMQ_RCVHWM`.
    public static var receiveHighWaterMark: Self { .int32(ZMQ_RCVHWM, "ZMQ_RCVHWM") }
    /// How long a receive waits before returning nil; -1 (the default) waits forever.
    /// The corresponding C option is `ZMQ_RCVTIMEO`.
    public static var receiveTimeout: Self { .int32(ZMQ_RCVTIMEO, "ZMQ_RCVTIMEO") }
    /// How long a send waits before returning false; -1 (the default) waits forever.
    /// The corresponding C option is `ZMQ_SNDTIMEO`.
    public static var sendTimeout: Self { .int32(ZMQ_SNDTIMEO, "ZMQ_SNDTIMEO") }
    /// The largest message, in bytes, a peer may send; larger ones drop the connection.
    /// -1 (the default) means no limit, so set it on any socket hostile peers can reach.
    /// The corresponding C option is `ZMQ_MAXMSGSIZE`.
    public static var maxMessageSize: Self { .int64(ZMQ_MAXMSGSIZE, "ZMQ_MAXMSGSIZE") }
    /// How often to send ZMTP PING heartbeats; 0 (the default) sends none.
    /// The corresponding C option is `ZMQ_HEARTBEAT_IVL`.
    public static var heartbeatInterval: Self { .int32(ZMQ_HEARTBEAT_IVL, "ZMQ_HEARTBEAT_IVL") }
    /// How long to wait for a PONG (or any traffic) before dropping the connection; defaults
    /// to the heartbeat interval. The corresponding C option is `ZMQ_HEARTBEAT_TIMEOUT`.
    public static var heartbeatTimeout: Self { .int32(ZMQ_HEARTBEAT_TIMEOUT, "ZMQ_HEARTBEAT_TIMEOUT") }
    /// How long the peer should keep the connection without traffic from us; libzmq rounds it
    /// down to tenths of a second. The corresponding C option is `ZMQ_HEARTBEAT_TTL`.
    public static var heartbeatTTL: Self { .int32(ZMQ_HEARTBEAT_TTL, "ZMQ_HEARTBEAT_TTL") }
    /// The wait before reconnecting a dropped connection (default 100); -1 never reconnects.
    /// The corresponding C option is `ZMQ_RECONNECT_IVL`.
    public static var reconnectInterval: Self { .int32(ZMQ_RECONNECT_IVL, "ZMQ_RECONNECT_IVL") }
    /// The upper bound when the reconnect wait doubles after each failure; 0 (the default)
    /// keeps it fixed. The corresponding C option is `ZMQ_RECONNECT_IVL_MAX`.
    public static var reconnectIntervalMax: Self { .int32(ZMQ_RECONNECT_IVL_MAX, "ZMQ_RECONNECT_IVL_MAX") }
    /// How long a TCP connect may take; 0 (the default) uses the system's timeout.
    /// The corresponding C option is `ZMQ_CONNECT_TIMEOUT`.
    public static var connectTimeout: Self { .int32(ZMQ_CONNECT_TIMEOUT, "ZMQ_CONNECT_TIMEOUT") }
    /// How long the ZMTP (and CURVE) handshake may take before the connection is dropped;
    /// default 30000, 0 means forever. The corresponding C option is `ZMQ_HANDSHAKE_IVL`.
    public static var handshakeInterval: Self { .int32(ZMQ_HANDSHAKE_IVL, "ZMQ_HANDSHAKE_IVL") }
    /// TCP keepalive: 1 on, 0 off, -1 (the default) the system's setting.
    /// The corresponding C option is `ZMQ_TCP_KEEPALIVE`.
    public static var tcpKeepalive: Self { .int32(ZMQ_TCP_KEEPALIVE, "ZMQ_TCP_KEEPALIVE") }
    /// Seconds of silence before the first keepalive probe; -1 is the system's setting.
    /// The corresponding C option is `ZMQ_TCP_KEEPALIVE_IDLE`.
    public static var tcpKeepaliveIdle: Self { .int32(ZMQ_TCP_KEEPALIVE_IDLE, "ZMQ_TCP_KEEPALIVE_IDLE") }
    /// Seconds between keepalive probes; -1 is the system's setting.
    /// The corresponding C option is `ZMQ_TCP_KEEPALIVE_INTVL`.
    public static var tcpKeepaliveInterval: Self { .int32(ZMQ_TCP_KEEPALIVE_INTVL, "ZMQ_TCP_KEEPALIVE_INTVL") }
    /// Unanswered probes before the connection is dropped; -1 is the system's setting.
    /// The corresponding C option is `ZMQ_TCP_KEEPALIVE_CNT`.
    public static var tcpKeepaliveCount: Self { .int32(ZMQ_TCP_KEEPALIVE_CNT, "ZMQ_TCP_KEEPALIVE_CNT") }
    /// The kernel send buffer size in bytes; -1 (the default) keeps the system's.
    /// The corresponding C option is `ZMQ_SNDBUF`.
    public static var sendBufferSize: Self { .int32(ZMQ_SNDBUF, "ZMQ_SNDBUF") }
    /// The kernel receive buffer size in bytes; -1 (the default) keeps the system's.
    /// The corresponding C option is `ZMQ_RCVBUF`.
    public static var receiveBufferSize: Self { .int32(ZMQ_RCVBUF, "ZMQ_RCVBUF") }
    /// The listen backlog of bound TCP and IPC endpoints (default 100).
    /// The corresponding C option is `ZMQ_BACKLOG`.
    public static var backlog: Self { .int32(ZMQ_BACKLOG, "ZMQ_BACKLOG") }

    private static func int32(_ code: Int32, _ name: String) -> Self {
        Self(name: name,
             write: { handle, value in
                 guard let value = Int32(exactly: value) else {
                     throw ZMQError(code: .invalidArgument, operation: "zmq_setsockopt(\(name), \(value))")
                 }
                 try ZMQSocket.writeScalar(handle, code, name, value)
             },
             read: { handle in Int(try ZMQSocket.readScalar(handle, code, name, as: Int32.self)) })
    }

    private static func int64(_ code: Int32, _ name: String) -> Self {
        Self(name: name,
             write: { handle, value in try ZMQSocket.writeScalar(handle, code, name, Int64(value)) },
             read: { handle in Int(try ZMQSocket.readScalar(handle, code, name, as: Int64.self)) })
    }
}

// MARK: - Flags

extension ZMQSocketOption where Value == Bool {
    /// Makes the socket the CURVE server of its connections (set a secret key too).
    /// The corresponding C option is `ZMQ_CURVE_SERVER`.
    public static var curveServer: Self { .flag(ZMQ_CURVE_SERVER, "ZMQ_CURVE_SERVER") }
    /// REQ only, write-only: lets a REQ send a new request without waiting for the reply to
    /// the last one (a timed-out request is abandoned). The corresponding C option is
    /// `ZMQ_REQ_RELAXED`.
    public static var reqRelaxed: Self { .flag(ZMQ_REQ_RELAXED, "ZMQ_REQ_RELAXED", readable: false) }
    /// REQ only, write-only: prefixes each request with an id and drops replies whose id does
    /// not match the last request. The corresponding C option is `ZMQ_REQ_CORRELATE`.
    public static var reqCorrelate: Self { .flag(ZMQ_REQ_CORRELATE, "ZMQ_REQ_CORRELATE", readable: false) }
    /// PUB/XPUB only, write-only: a send that does not fit in some subscriber's queue fails
    /// (`EAGAIN`, or blocks) instead of being dropped for that subscriber. It can be set at any
    /// time. The corresponding C option is `ZMQ_XPUB_NODROP`.
    public static var xpubNoDrop: Self { .flag(ZMQ_XPUB_NODROP, "ZMQ_XPUB_NODROP", readable: false) }
    /// Queues messages only to completed connections, so sends block (or drop) instead of
    /// filling queues for peers that are not there. The corresponding C option is `ZMQ_IMMEDIATE`.
    public static var immediate: Self { .flag(ZMQ_IMMEDIATE, "ZMQ_IMMEDIATE") }
    /// Keeps only the newest message in each queue; single-part messages only.
    /// The corresponding C option is `ZMQ_CONFLATE`.
    public static var conflate: Self { .flag(ZMQ_CONFLATE, "ZMQ_CONFLATE") }
    /// Lets `tcp://` endpoints use IPv6 (and `*` bind both families).
    /// The corresponding C option is `ZMQ_IPV6`.
    public static var ipv6: Self { .flag(ZMQ_IPV6, "ZMQ_IPV6") }
    /// ROUTER only, write-only: makes sends to an unknown routing id fail with
    /// `EHOSTUNREACH` instead of being dropped. The corresponding C option is `ZMQ_ROUTER_MANDATORY`.
    public static var routerMandatory: Self { .flag(ZMQ_ROUTER_MANDATORY, "ZMQ_ROUTER_MANDATORY", readable: false) }
    /// Read-only: whether the last part received is followed by more parts of the same message.
    /// The corresponding C option is `ZMQ_RCVMORE`.
    public static var receiveMore: Self {
        Self(name: "ZMQ_RCVMORE", write: nil,
             read: { handle in try ZMQSocket.readScalar(handle, ZMQ_RCVMORE, "ZMQ_RCVMORE", as: Int32.self) != 0 })
    }

    private static func flag(_ code: Int32, _ name: String, readable: Bool = true) -> Self {
        var read: (@Sendable (UnsafeMutableRawPointer) throws -> Bool)?
        if readable {
            read = { handle in try ZMQSocket.readScalar(handle, code, name, as: Int32.self) != 0 }
        }
        return Self(name: name,
                    write: { handle, value in try ZMQSocket.writeScalar(handle, code, name, Int32(value ? 1 : 0)) },
                    read: read)
    }
}

// MARK: - Text and bytes

extension ZMQSocketOption where Value == String {
    /// The ZAP domain sent with this socket's authentication requests. CURVE and PLAIN
    /// servers consult the ZAP handler whether or not this is set (with the empty domain when
    /// it is not); NULL-mechanism sockets only when it is. The corresponding C option is
    /// `ZMQ_ZAP_DOMAIN`.
    public static var zapDomain: Self {
        Self(name: "ZMQ_ZAP_DOMAIN",
             write: { handle, value in
                 var value = value
                 try value.withUTF8 { try ZMQSocket.writeBytes(handle, ZMQ_ZAP_DOMAIN, "ZMQ_ZAP_DOMAIN", UnsafeRawBufferPointer($0)) }
             },
             read: { handle in try ZMQSocket.readString(handle, ZMQ_ZAP_DOMAIN, "ZMQ_ZAP_DOMAIN") })
    }

    /// Read-only: the endpoint of the last bind or connect. See ``ZMQSocket/lastEndpoint``.
    /// The corresponding C option is `ZMQ_LAST_ENDPOINT`.
    public static var lastEndpoint: Self {
        Self(name: "ZMQ_LAST_ENDPOINT", write: nil,
             read: { handle in try ZMQSocket.readString(handle, ZMQ_LAST_ENDPOINT, "ZMQ_LAST_ENDPOINT") })
    }
}

extension ZMQSocketOption where Value == [UInt8] {
    /// The identity a ROUTER peer sees for this socket (1 to 255 bytes, not starting with 0).
    /// The corresponding C option is `ZMQ_ROUTING_ID`.
    public static var routingID: Self {
        Self(name: "ZMQ_ROUTING_ID",
             write: { handle, value in
                 try value.withUnsafeBytes { try ZMQSocket.writeBytes(handle, ZMQ_ROUTING_ID, "ZMQ_ROUTING_ID", $0) }
             },
             read: { handle in try ZMQSocket.readBytes(handle, ZMQ_ROUTING_ID, "ZMQ_ROUTING_ID", capacity: 256) })
    }
}

// MARK: - CURVE keys

extension ZMQSocketOption where Value == CurveKey {
    /// This socket's long-term public key (client or server).
    /// The corresponding C option is `ZMQ_CURVE_PUBLICKEY`.
    public static var curvePublicKey: Self { .key(ZMQ_CURVE_PUBLICKEY, "ZMQ_CURVE_PUBLICKEY") }
    /// Client only: the public key of the server this socket connects to; setting it makes the
    /// socket a CURVE client. The corresponding C option is `ZMQ_CURVE_SERVERKEY`.
    public static var curveServerKey: Self { .key(ZMQ_CURVE_SERVERKEY, "ZMQ_CURVE_SERVERKEY") }

    private static func key(_ code: Int32, _ name: String) -> Self {
        Self(name: name,
             write: { handle, key in
                 try key.bytes.withUnsafeBytes { try ZMQSocket.writeBytes(handle, code, name, $0) }
             },
             read: { handle in
                 let bytes = try ZMQSocket.readBytes(handle, code, name, capacity: CurveKey.byteCount)
                 guard let key = CurveKey(bytes: bytes) else {
                     throw ZMQError(code: .invalidArgument, operation: "zmq_getsockopt(\(name)) returned \(bytes.count) bytes")
                 }
                 return key
             })
    }
}

extension ZMQSocketOption where Value == CurveSecretKey {
    /// Write-only: this socket's long-term secret key. Reading it back is refused so that
    /// secrets only travel one way. The corresponding C option is `ZMQ_CURVE_SECRETKEY`.
    public static var curveSecretKey: Self {
        Self(name: "ZMQ_CURVE_SECRETKEY",
             write: { handle, key in
                 try key.withUnsafeBytes { try ZMQSocket.writeBytes(handle, ZMQ_CURVE_SECRETKEY, "ZMQ_CURVE_SECRETKEY", $0) }
             },
             read: nil)
    }
}

// MARK: - Read-only state

extension ZMQSocketOption where Value == ZMQPollEvents {
    /// Read-only: whether a message can be received (`pollIn`) or sent (`pollOut`) now.
    /// Reading it also processes pending commands, which the edge-triggered
    /// ``ZMQSocketOption/fileDescriptor`` relies on. The corresponding C option is `ZMQ_EVENTS`.
    public static var events: Self {
        Self(name: "ZMQ_EVENTS", write: nil,
             read: { handle in
                 ZMQPollEvents(rawValue: Int16(truncatingIfNeeded: try ZMQSocket.readScalar(handle, ZMQ_EVENTS, "ZMQ_EVENTS", as: Int32.self)))
             })
    }
}

extension ZMQSocketOption where Value == Int32 {
    /// Read-only: a file descriptor that becomes readable when ``ZMQSocketOption/events`` may
    /// have changed, for integrating a socket in another event loop. It is edge-triggered and
    /// signals nothing about messages by itself: read ``ZMQSocketOption/events`` after each
    /// wake-up. The corresponding C option is `ZMQ_FD`.
    public static var fileDescriptor: Self {
        Self(name: "ZMQ_FD", write: nil,
             read: { handle in try ZMQSocket.readScalar(handle, ZMQ_FD, "ZMQ_FD", as: Int32.self) })
    }
}

extension ZMQSocketOption where Value == ZMQSecurityMechanism {
    /// Read-only: the security mechanism the socket's settings select.
    /// The corresponding C option is `ZMQ_MECHANISM`.
    public static var mechanism: Self {
        Self(name: "ZMQ_MECHANISM", write: nil,
             read: { handle in
                 ZMQSecurityMechanism(cValue: try ZMQSocket.readScalar(handle, ZMQ_MECHANISM, "ZMQ_MECHANISM", as: Int32.self))
             })
    }
}
