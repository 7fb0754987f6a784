internal import CZeroMQ
import Foundation

extension ZMQSocket {
    /// Sends a copy of `bytes` as one message part.
    ///
    /// - Parameters:
    ///   - more: More parts of the same message follow; libzmq sends nothing until the last.
    ///   - dontWait: Fail instead of blocking when the queue is full (or, for some socket
    ///     types, when no peer is connected).
    /// - Returns: false when the part was not queued because sending would block (with
    ///   `dontWait`) or the ``ZMQSocketOption/sendTimeout`` expired; true otherwise.
    /// The corresponding C function is `zmq_send`.
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer, more: Bool = false, dontWait: Bool = false) throws -> Bool {
        try withHandle("zmq_send") { handle in
            do {
                try zmqCall("zmq_send(\(bytes.count) bytes)") {
                    zmq_send(handle, bytes.baseAddress, bytes.count, Self.sendFlags(more: more, dontWait: dontWait))
                }
                return true
            } catch let error as ZMQError where error.isAgain {
                return false
            }
        }
    }

    /// Sends a copy of `bytes`. See ``send(_:more:dontWait:)-(UnsafeRawBufferPointer,_,_)``.
    @discardableResult
    public func send(_ bytes: [UInt8], more: Bool = false, dontWait: Bool = false) throws -> Bool {
        try bytes.withUnsafeBytes { try send($0, more: more, dontWait: dontWait) }
    }

    /// Sends a copy of `data`. See ``send(_:more:dontWait:)-(UnsafeRawBufferPointer,_,_)``.
    @discardableResult
    public func send(_ data: Data, more: Bool = false, dontWait: Bool = false) throws -> Bool {
        try data.withUnsafeBytes { try send($0, more: more, dontWait: dontWait) }
    }

    /// Sends the UTF-8 bytes of `string`, without a terminating NUL.
    /// See ``send(_:more:dontWait:)-(UnsafeRawBufferPointer,_,_)``.
    @discardableResult
    public func send(_ string: String, more: Bool = false, dontWait: Bool = false) throws -> Bool {
        var string = string
        return try string.withUTF8 { try send(UnsafeRawBufferPointer($0), more: more, dontWait: dontWait) }
    }

    /// Sends `count` bytes at `pointer` without copying them.
    ///
    /// libzmq reads the bytes later, from its I/O thread, and may hold them until a peer (or,
    /// over `inproc://`, the receiving ``ZMQMessage``) is done. This call therefore retains
    /// `owner`, which must keep the bytes alive and unchanged, and libzmq releases it exactly
    /// once when it no longer needs them: usually on an I/O thread, so the owner's `deinit`
    /// must be cheap and must not use sockets. When the part is not queued (false or a thrown
    /// error), the owner has already been released by the time this returns.
    ///
    /// - Returns: false when sending would block (`dontWait`) or the send timeout expired.
    /// The corresponding C functions are `zmq_msg_init_data` and `zmq_msg_send`.
    @discardableResult
    public func send(borrowing pointer: UnsafeRawPointer, count: Int, owner: AnyObject,
                     more: Bool = false, dontWait: Bool = false) throws -> Bool {
        precondition(count >= 0, "count must not be negative")
        return try withHandle("zmq_msg_send") { handle in
            let message = UnsafeMutablePointer<zmq_msg_t>.allocate(capacity: 1)
            defer { message.deallocate() }
            let retained = Unmanaged<AnyObject>.passRetained(owner)
            do {
                try zmqCall("zmq_msg_init_data(\(count) bytes)") {
                    zmq_msg_init_data(message, UnsafeMutableRawPointer(mutating: pointer), count,
                                      releaseBorrowedOwner, retained.toOpaque())
                }
            } catch {
                // libzmq did not take the owner, so the retain above is still ours to undo.
                retained.release()
                throw error
            }
            // From here on the message holds the only retain; closing it releases the owner.
            do {
                try zmqCall("zmq_msg_send(\(count) bytes)") {
                    zmq_msg_send(message, handle, Self.sendFlags(more: more, dontWait: dontWait))
                }
                return true
            } catch let error as ZMQError {
                zmq_msg_close(message)
                if error.isAgain { return false }
                throw error
            }
        }
    }

    private static func sendFlags(more: Bool, dontWait: Bool) -> Int32 {
        (more ? ZMQ_SNDMORE : 0) | (dontWait ? ZMQ_DONTWAIT : 0)
    }
}

/// libzmq's free function for ``ZMQSocket/send(borrowing:count:owner:more:dontWait:)``:
/// runs once, on whichever thread drops the last reference to the message content.
private func releaseBorrowedOwner(_ data: UnsafeMutableRawPointer?, _ hint: UnsafeMutableRawPointer?) {
    guard let hint else { return }
    Unmanaged<AnyObject>.fromOpaque(hint).release()
}
