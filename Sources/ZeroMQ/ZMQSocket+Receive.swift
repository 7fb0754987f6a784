internal import CZeroMQ

extension ZMQSocket {
    /// Receives one message part; check ``ZMQMessage/more`` for further parts.
    ///
    /// Returns nil when nothing could be received without blocking (`dontWait`) or the
    /// ``ZMQSocketOption/receiveTimeout`` expired. Throws ``ZMQError`` otherwise; after a
    /// context shutdown the error ``ZMQError/isTerminated``.
    /// The corresponding C function is `zmq_msg_recv`.
    public func receiveMessage(dontWait: Bool = false) throws -> ZMQMessage? {
        try withHandle("zmq_msg_recv") { handle in
            try ZMQMessage.receive(from: handle, flags: dontWait ? ZMQ_DONTWAIT : 0, operation: "zmq_msg_recv")
        }
    }

    /// Receives a whole multipart message, keeping at most `maxParts` parts.
    ///
    /// The message is always consumed completely, so the next call starts at the next
    /// message; parts beyond `maxParts` are received and freed at once, and counted in
    /// ``ZMQMultipartMessage/discardedPartCount``. This bounds what a hostile peer can make
    /// the caller keep (set ``ZMQSocketOption/maxMessageSize`` to bound each part).
    ///
    /// Returns nil when no message is available (`dontWait`) or the receive timeout expired
    /// before the first part. libzmq delivers the parts of a message together, so later parts
    /// never wait. The corresponding C function is `zmq_msg_recv`.
    public func receiveMultipart(dontWait: Bool = false, maxParts: Int = .max) throws -> ZMQMultipartMessage? {
        precondition(maxParts >= 1, "maxParts must be at least 1")
        return try withHandle("zmq_msg_recv") { handle -> ZMQMultipartMessage? in
            guard let first = try ZMQMessage.receive(from: handle, flags: dontWait ? ZMQ_DONTWAIT : 0,
                                                     operation: "zmq_msg_recv") else {
                return nil
            }
            var parts = [first]
            var more = first.more
            while more && parts.count < maxParts {
                let part = try Self.receiveFollowingPart(handle)
                parts.append(part)
                more = part.more
            }
            var discarded = 0
            if more {
                discarded = try Self.discardRemainingParts(handle)
            }
            return ZMQMultipartMessage(parts: parts, discardedPartCount: discarded)
        }
    }

    private static func receiveFollowingPart(_ handle: UnsafeMutableRawPointer) throws -> ZMQMessage {
        guard let part = try ZMQMessage.receive(from: handle, flags: ZMQ_DONTWAIT, operation: "zmq_msg_recv(next part)") else {
            // Cannot happen: libzmq queues a multipart message only once all parts are in.
            throw ZMQError(code: .wouldBlock, operation: "zmq_msg_recv(next part of a multipart message)")
        }
        return part
    }

    /// Receives and frees the rest of the current message, reusing one `zmq_msg_t`.
    private static func discardRemainingParts(_ handle: UnsafeMutableRawPointer) throws -> Int {
        // A zmq_msg_t must not move while libzmq owns it, which a Swift local does not promise.
        let message = UnsafeMutablePointer<zmq_msg_t>.allocate(capacity: 1)
        defer { message.deallocate() }
        var discarded = 0
        var more = true
        while more {
            zmq_msg_init(message)
            defer { zmq_msg_close(message) }
            try zmqCall("zmq_msg_recv(discarded part)") { zmq_msg_recv(message, handle, ZMQ_DONTWAIT) }
            discarded += 1
            more = zmq_msg_more(message) != 0
        }
        return discarded
    }
}
