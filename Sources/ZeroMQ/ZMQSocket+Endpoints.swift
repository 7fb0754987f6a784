internal import CZeroMQ

extension ZMQSocket {
    /// Accepts connections on `endpoint` (`tcp://127.0.0.1:5555`, `tcp://*:*`, `ipc:///path`,
    /// `inproc://name`) and returns the endpoint actually bound, with a wildcard port resolved.
    ///
    /// The corresponding C function is `zmq_bind`.
    @discardableResult
    public func bind(_ endpoint: String) throws -> String {
        try withHandle("zmq_bind(\(endpoint))") { handle in
            try zmqCall("zmq_bind(\(endpoint))") { zmq_bind(handle, endpoint) }
            return try Self.readString(handle, ZMQ_LAST_ENDPOINT, "ZMQ_LAST_ENDPOINT")
        }
    }

    /// Connects to `endpoint`. libzmq connects in the background and reconnects after
    /// failures, so this returns before any peer is reached.
    ///
    /// The corresponding C function is `zmq_connect`.
    public func connect(_ endpoint: String) throws {
        try withHandle("zmq_connect(\(endpoint))") { handle in
            try zmqCall("zmq_connect(\(endpoint))") { zmq_connect(handle, endpoint) }
        }
    }

    /// Stops accepting connections on an endpoint given to ``bind(_:)``. Use the resolved
    /// endpoint that `bind` returned when a wildcard port was bound.
    ///
    /// Over TCP this also closes every connection that was accepted through the endpoint
    /// (completed as the socket processes commands, i.e. on its next calls); their peers
    /// reconnect, and handshake again, once the endpoint is bound again. The listening port is
    /// released shortly after this returns: use ``rebind(_:timeout:)`` to bind it again.
    /// The corresponding C function is `zmq_unbind`.
    public func unbind(_ endpoint: String) throws {
        try withHandle("zmq_unbind(\(endpoint))") { handle in
            try zmqCall("zmq_unbind(\(endpoint))") { zmq_unbind(handle, endpoint) }
        }
    }

    /// Unbinds `endpoint` and binds it again: closes every connection accepted through it
    /// (their peers reconnect and handshake again, so a revoked CURVE client is refused by
    /// the ZAP handler) while keeping the socket and its queued subscriptions.
    ///
    /// libzmq closes a TCP listener in its I/O thread after `zmq_unbind` returns, so binding
    /// the same port at once can fail with `EADDRINUSE`; this retries for up to `timeout`
    /// milliseconds before throwing. `endpoint` must be the resolved endpoint (no `*` port).
    /// Returns the endpoint bound. The corresponding C functions are `zmq_unbind` and `zmq_bind`.
    @discardableResult
    public func rebind(_ endpoint: String, timeout: Int = 1000) throws -> String {
        try withHandle("zmq_unbind(\(endpoint))") { handle in
            try zmqCall("zmq_unbind(\(endpoint))") { zmq_unbind(handle, endpoint) }
            let deadline = monotonicMilliseconds() + Int64(max(0, timeout))
            var pause: Int32 = 1
            while true {
                do {
                    try zmqCall("zmq_bind(\(endpoint))") { zmq_bind(handle, endpoint) }
                    return try Self.readString(handle, ZMQ_LAST_ENDPOINT, "ZMQ_LAST_ENDPOINT")
                } catch let error as ZMQError where error.code == .addressInUse && monotonicMilliseconds() < deadline {
                    // zmq_poll with no items is libzmq's portable sleep.
                    zmq_poll(nil, 0, Int(pause))
                    pause = min(pause * 2, 20)
                }
            }
        }
    }

    /// Drops the connection made by ``connect(_:)`` and stops reconnecting.
    ///
    /// The corresponding C function is `zmq_disconnect`.
    public func disconnect(_ endpoint: String) throws {
        try withHandle("zmq_disconnect(\(endpoint))") { handle in
            try zmqCall("zmq_disconnect(\(endpoint))") { zmq_disconnect(handle, endpoint) }
        }
    }

    /// The endpoint of the last bind or connect, with wildcard ports resolved; empty if none.
    ///
    /// The corresponding C option is `ZMQ_LAST_ENDPOINT`.
    public var lastEndpoint: String {
        get throws { try getOption(.lastEndpoint) }
    }
}
