internal import CZeroMQ
internal import Primitives

/// A libzmq socket.
///
/// libzmq sockets are not thread-safe: use a socket from one thread at a time, normally a
/// thread you own (never block a thread of Swift's cooperative pool in a socket call).
/// The type is `Sendable` so that it can be handed to that thread; every call takes the
/// socket's own lock, which gives libzmq the memory barrier it requires when a socket moves
/// between threads, and turns accidental concurrent use into waiting instead of memory
/// corruption. A call blocked in ``receiveMessage(dontWait:)`` therefore also blocks
/// ``close(linger:)`` from another thread: wake it with ``ZMQContext/shutdown()``, a receive
/// timeout, or a ``ZMQPoller`` that also watches a wake-up socket.
///
/// The socket retains its context, and is closed in `deinit` if ``close(linger:)`` was not
/// called, honouring the linger period set with ``ZMQSocketOption/linger``.
public final class ZMQSocket: @unchecked Sendable {
    // Safe to share: the C handle is only touched with `lock` held (see withHandle), and the
    // other stored properties are immutable.
    private let lock = ConditionLock()
    private var handle: UnsafeMutableRawPointer?

    /// The context the socket belongs to; kept alive as long as the socket.
    public let context: ZMQContext
    /// The socket's messaging pattern.
    public let type: ZMQSocketType

    /// Creates a socket in `context`.
    ///
    /// The corresponding C function is `zmq_socket`.
    public init(context: ZMQContext, type: ZMQSocketType) throws {
        self.handle = try context.makeSocketHandle(type: type)
        self.context = context
        self.type = type
    }

    deinit {
        if let handle {
            zmq_close(handle)
        }
    }

    /// Closes the socket; later calls fail with ``ZMQError/Code/notASocket``.
    ///
    /// Messages still queued are sent in the background for up to the linger period:
    /// `linger` milliseconds if given (0 drops them, -1 waits forever), else the socket's
    /// ``ZMQSocketOption/linger`` option. Closing twice is harmless.
    /// The corresponding C function is `zmq_close`.
    public func close(linger: Int? = nil) {
        lock.withLock {
            guard let handle else { return }
            if let linger {
                var value = Int32(clamping: linger)
                zmq_setsockopt(handle, ZMQ_LINGER, &value, MemoryLayout<Int32>.size)
            }
            zmq_close(handle)
            self.handle = nil
        }
    }

    /// Whether ``close(linger:)`` was called.
    public var isClosed: Bool {
        lock.withLock { handle == nil }
    }

    /// Runs `body` with the C socket while holding the lock; the single gate through which
    /// every libzmq call on this socket passes.
    @discardableResult
    internal func withHandle<Result>(_ operation: @autoclosure () -> String,
                                     _ body: (UnsafeMutableRawPointer) throws -> Result) throws -> Result {
        lock.lock()
        defer { lock.unlock() }
        guard let handle else {
            throw ZMQError(code: .notASocket, operation: operation() + " on a closed \(type) socket")
        }
        return try body(handle)
    }

    /// Takes the lock for ``zmqPoll(_:timeout:)``, which must hold the locks of several sockets
    /// for the whole wait. Returns nil, without holding the lock, when the socket is closed.
    internal func lockForPolling() -> UnsafeMutableRawPointer? {
        lock.lock()
        if let handle { return handle }
        lock.unlock()
        return nil
    }

    internal func unlockAfterPolling() {
        lock.unlock()
    }
}

