internal import CZeroMQ

extension ZMQSocket {
    /// Sets a socket option. Most options only affect connections made after they are set,
    /// so set them before ``bind(_:)`` and ``connect(_:)``.
    ///
    /// The corresponding C function is `zmq_setsockopt`.
    public func setOption<Value>(_ option: ZMQSocketOption<Value>, _ value: Value) throws {
        guard let write = option.write else {
            throw ZMQError(code: .invalidArgument, operation: "zmq_setsockopt(\(option.name)): the option is read-only")
        }
        try withHandle("zmq_setsockopt(\(option.name))") { try write($0, value) }
    }

    /// Reads a socket option.
    ///
    /// The corresponding C function is `zmq_getsockopt`.
    public func getOption<Value>(_ option: ZMQSocketOption<Value>) throws -> Value {
        guard let read = option.read else {
            throw ZMQError(code: .invalidArgument, operation: "zmq_getsockopt(\(option.name)): the option is write-only")
        }
        return try withHandle("zmq_getsockopt(\(option.name))") { try read($0) }
    }

    /// SUB and XSUB: receive messages that start with `prefix` (all messages for `""`).
    ///
    /// The corresponding C option is `ZMQ_SUBSCRIBE`.
    public func subscribe(_ prefix: String = "") throws {
        try subscribe(Array(prefix.utf8))
    }

    /// SUB and XSUB: receive messages that start with the bytes of `prefix`.
    ///
    /// The corresponding C option is `ZMQ_SUBSCRIBE`.
    public func subscribe(_ prefix: [UInt8]) throws {
        try withHandle("zmq_setsockopt(ZMQ_SUBSCRIBE)") { handle in
            try prefix.withUnsafeBytes { try Self.writeBytes(handle, ZMQ_SUBSCRIBE, "ZMQ_SUBSCRIBE", $0) }
        }
    }

    /// SUB and XSUB: remove one earlier ``subscribe(_:)-(String)`` of the same prefix.
    ///
    /// The corresponding C option is `ZMQ_UNSUBSCRIBE`.
    public func unsubscribe(_ prefix: String = "") throws {
        try unsubscribe(Array(prefix.utf8))
    }

    /// SUB and XSUB: remove one earlier subscription to the bytes of `prefix`.
    ///
    /// The corresponding C option is `ZMQ_UNSUBSCRIBE`.
    public func unsubscribe(_ prefix: [UInt8]) throws {
        try withHandle("zmq_setsockopt(ZMQ_UNSUBSCRIBE)") { handle in
            try prefix.withUnsafeBytes { try Self.writeBytes(handle, ZMQ_UNSUBSCRIBE, "ZMQ_UNSUBSCRIBE", $0) }
        }
    }

    /// Makes the socket a CURVE server with `keyPair`; clients must know its public key.
    ///
    /// Whether a client's key is accepted is up to the context's ZAP handler (see
    /// ``ZAPAuthenticator``); without one, every client that knows the server key is accepted.
    public func configureCurveServer(_ keyPair: CurveKeyPair) throws {
        try setOption(.curveServer, true)
        try setOption(.curveSecretKey, keyPair.secretKey)
        try setOption(.curvePublicKey, keyPair.publicKey)
    }

    /// Makes the socket a CURVE client with `keyPair`, talking to the server whose public key
    /// is `serverKey`.
    public func configureCurveClient(_ keyPair: CurveKeyPair, serverKey: CurveKey) throws {
        try setOption(.curveServerKey, serverKey)
        try setOption(.curvePublicKey, keyPair.publicKey)
        try setOption(.curveSecretKey, keyPair.secretKey)
    }

    /// Whether a message can be received or sent now. The corresponding C option is `ZMQ_EVENTS`.
    public var events: ZMQPollEvents {
        get throws { try getOption(.events) }
    }

    /// A file descriptor that signals changes of ``events``. The corresponding C option is `ZMQ_FD`.
    public var fileDescriptor: Int32 {
        get throws { try getOption(.fileDescriptor) }
    }
}

// MARK: - Raw option access, used by ZMQSocketOption with the socket lock held.

extension ZMQSocket {
    internal static func writeScalar<T: FixedWidthInteger>(_ handle: UnsafeMutableRawPointer, _ code: Int32,
                                                            _ name: String, _ value: T) throws {
        var value = value
        try zmqCall("zmq_setsockopt(\(name), \(value))") {
            zmq_setsockopt(handle, code, &value, MemoryLayout<T>.size)
        }
    }

    internal static func readScalar<T: FixedWidthInteger>(_ handle: UnsafeMutableRawPointer, _ code: Int32,
                                                           _ name: String, as type: T.Type) throws -> T {
        var value: T = 0
        var size = MemoryLayout<T>.size
        try zmqCall("zmq_getsockopt(\(name))") { zmq_getsockopt(handle, code, &value, &size) }
        return value
    }

    internal static func writeBytes(_ handle: UnsafeMutableRawPointer, _ code: Int32, _ name: String,
                                    _ bytes: UnsafeRawBufferPointer) throws {
        try zmqCall("zmq_setsockopt(\(name))") {
            zmq_setsockopt(handle, code, bytes.baseAddress, bytes.count)
        }
    }

    internal static func readBytes(_ handle: UnsafeMutableRawPointer, _ code: Int32, _ name: String,
                                   capacity: Int) throws -> [UInt8] {
        var size = capacity
        let bytes = try [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            try zmqCall("zmq_getsockopt(\(name))") { zmq_getsockopt(handle, code, buffer.baseAddress, &size) }
            count = size
        }
        return bytes
    }

    /// Reads a NUL-terminated string option. Endpoints can be long (IPC paths, IPv6 with
    /// interface names), so the buffer is generous.
    internal static func readString(_ handle: UnsafeMutableRawPointer, _ code: Int32, _ name: String) throws -> String {
        let bytes = try readBytes(handle, code, name, capacity: 4096)
        let text = bytes.prefix { $0 != 0 }
        return String(decoding: text, as: UTF8.self)
    }
}
