internal import CZeroMQ
internal import Primitives
import Foundation

/// A libzmq context: the I/O threads and the namespace of `inproc://` endpoints.
///
/// Contexts are thread-safe, so one is normally shared by the whole process
/// (``ZMQContext/shared``). A ZAP authenticator serves exactly one context.
///
/// Lifetime: every ``ZMQSocket`` keeps its context alive, so a context is only terminated
/// (in `deinit`, or by ``terminate()``) once its sockets are closed. To stop threads blocked in
/// a socket call, call ``shutdown()``: their calls fail with ``ZMQError/isTerminated`` and the
/// threads then close their sockets.
public final class ZMQContext: @unchecked Sendable {
    // Safe to share: libzmq contexts are thread-safe. The only Swift state is `state`, and the
    // lock around it keeps socket creation from racing with zmq_ctx_term freeing the handle.
    private let handle: UnsafeMutableRawPointer
    private let state = Locked(State.active)

    private enum State: Sendable {
        case active, shutDown, terminating, terminated
    }

    /// The process-wide context, created on first use with one I/O thread per CPU core
    /// (CurveZMQ encrypts and decrypts in the I/O threads).
    public static let shared: ZMQContext = {
        do {
            return try ZMQContext(ioThreads: ProcessInfo.processInfo.activeProcessorCount)
        } catch {
            fatalError("cannot create the shared ZeroMQ context: \(error)")
        }
    }()

    /// Creates a context.
    ///
    /// - Parameters:
    ///   - ioThreads: Threads that move bytes and run CurveZMQ; one per ~1 Gbit/s of traffic.
    ///   - maxSockets: The most sockets the context may hold; libzmq's default (1023) if nil.
    ///
    /// The corresponding C functions are `zmq_ctx_new` and `zmq_ctx_set`.
    public init(ioThreads: Int = 1, maxSockets: Int? = nil) throws {
        guard let ioThreadCount = Int32(exactly: ioThreads), ioThreadCount >= 0 else {
            throw ZMQError(code: .invalidArgument, operation: "zmq_ctx_set(ZMQ_IO_THREADS, \(ioThreads))")
        }
        let socketLimit = try maxSockets.map { maxSockets in
            guard let value = Int32(exactly: maxSockets), value > 0 else {
                throw ZMQError(code: .invalidArgument, operation: "zmq_ctx_set(ZMQ_MAX_SOCKETS, \(maxSockets))")
            }
            return value
        }
        let handle = try zmqCallReturningPointer("zmq_ctx_new") { zmq_ctx_new() }
        do {
            try zmqCall("zmq_ctx_set(ZMQ_IO_THREADS, \(ioThreads))") {
                zmq_ctx_set(handle, ZMQ_IO_THREADS, ioThreadCount)
            }
            if let socketLimit {
                try zmqCall("zmq_ctx_set(ZMQ_MAX_SOCKETS, \(socketLimit))") {
                    zmq_ctx_set(handle, ZMQ_MAX_SOCKETS, socketLimit)
                }
            }
        } catch {
            while zmq_ctx_term(handle) == -1 && zmq_errno() == EINTR {}
            throw error
        }
        self.handle = handle
    }

    deinit {
        // No socket can be open here (each one retains its context), so this never blocks.
        terminate()
    }

    /// Whether ``shutdown()`` or ``terminate()`` was called.
    public var isShutDown: Bool {
        state.withLock { $0 != .active }
    }

    /// Makes every blocking call on this context's sockets, current and future, fail with
    /// ``ZMQError/isTerminated``, and refuses new sockets. Sockets must still be closed.
    ///
    /// Safe to call from any thread, any number of times.
    /// The corresponding C function is `zmq_ctx_shutdown`.
    public func shutdown() {
        state.withLock { state in
            guard state == .active else { return }
            zmq_ctx_shutdown(handle)
            state = .shutDown
        }
    }

    /// Shuts the context down and waits until every socket is closed, then frees it.
    ///
    /// Blocks while any socket of this context is open, so call it after closing them (or let
    /// `deinit` do it). Later calls return at once. The corresponding C function is `zmq_ctx_term`.
    public func terminate() {
        let shouldTerminate = state.withLock { state -> Bool in
            guard state == .active || state == .shutDown else { return false }
            state = .terminating
            return true
        }
        guard shouldTerminate else { return }
        // zmq_ctx_term may be interrupted by a signal and is documented as restartable.
        while zmq_ctx_term(handle) == -1 && zmq_errno() == EINTR {}
        state.withLock { $0 = .terminated }
    }

    /// Creates a libzmq socket, holding the state lock so that termination cannot free the
    /// context in the middle of the call.
    internal func makeSocketHandle(type: ZMQSocketType) throws -> UnsafeMutableRawPointer {
        try state.withLock { state in
            guard state == .active || state == .shutDown else {
                throw ZMQError(code: .terminated, operation: "zmq_socket(\(type))")
            }
            return try zmqCallReturningPointer("zmq_socket(\(type))") { zmq_socket(handle, type.cValue) }
        }
    }
}
