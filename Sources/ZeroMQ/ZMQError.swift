internal import CZeroMQ

/// A failed libzmq call: the `errno` it left and libzmq's text for it.
///
/// Every libzmq call in this module goes through ``zmqCall(_:retryingInterrupts:_:)`` or
/// ``zmqCallReturningPointer(_:_:)``, so every failure carries the same information.
public struct ZMQError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The `errno` values callers branch on. libzmq adds its own codes (`ETERM`, `EFSM`, ...)
    /// above `156384712`; the others are the platform's.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The raw `errno` value.
        public let rawValue: Int32

        public init(rawValue: Int32) { self.rawValue = rawValue }

        /// The context was shut down or terminated (`ETERM`). Close the socket and stop.
        public static let terminated = Code(rawValue: ETERM)
        /// Nothing could be sent or received without blocking, or a timeout expired (`EAGAIN`).
        public static let wouldBlock = Code(rawValue: EAGAIN)
        /// A signal interrupted a blocking call (`EINTR`). Calls in this module retry those.
        public static let interrupted = Code(rawValue: EINTR)
        /// The endpoint is already bound, in this process or another (`EADDRINUSE`).
        public static let addressInUse = Code(rawValue: EADDRINUSE)
        /// An argument was out of range or malformed (`EINVAL`).
        public static let invalidArgument = Code(rawValue: EINVAL)
        /// The socket is closed (`ENOTSOCK`).
        public static let notASocket = Code(rawValue: ENOTSOCK)
        /// The socket's state machine forbids this call now, e.g. two sends on a REQ (`EFSM`).
        public static let wrongState = Code(rawValue: EFSM)
        /// The endpoint was never bound or connected, or the operation is unsupported here
        /// (`ENOENT`).
        public static let noSuchEndpoint = Code(rawValue: ENOENT)
        /// libzmq was built without this feature, e.g. CURVE (`ENOTSUP`).
        public static let notSupported = Code(rawValue: ENOTSUP)

        public var description: String { String(cString: zmq_strerror(rawValue)) }
    }

    /// What went wrong, as an `errno` value.
    public let code: Code
    /// The call that failed, with the argument that explains it (an endpoint, an option name).
    public let operation: String

    public init(code: Code, operation: String) {
        self.code = code
        self.operation = operation
    }

    /// The raw `errno` value.
    public var errno: Int32 { code.rawValue }
    /// libzmq's text for the error. The corresponding C function is `zmq_strerror`.
    public var reason: String { code.description }
    /// True when the context was shut down: the caller should close its socket and return.
    public var isTerminated: Bool { code == .terminated }
    /// True when the call would have blocked or its timeout expired.
    public var isAgain: Bool { code == .wouldBlock }

    public var description: String { "\(operation): \(reason) (errno \(code.rawValue))" }
}

/// The one place where libzmq's `-1`-and-`errno` convention becomes a thrown ``ZMQError``.
///
/// A signal arriving during a blocking call makes libzmq return `EINTR`; the call is simply
/// made again, because no caller of this module wants to see signals as errors.
@discardableResult
internal func zmqCall(_ operation: @autoclosure () -> String,
                      retryingInterrupts: Bool = true,
                      _ body: () -> Int32) throws -> Int32 {
    while true {
        let rc = body()
        if rc != -1 { return rc }
        let code = zmq_errno()
        if code == EINTR && retryingInterrupts { continue }
        throw ZMQError(code: .init(rawValue: code), operation: operation())
    }
}

/// The pointer-returning variant of ``zmqCall(_:retryingInterrupts:_:)``: `NULL` means failure.
internal func zmqCallReturningPointer(_ operation: @autoclosure () -> String,
                                      _ body: () -> UnsafeMutableRawPointer?) throws -> UnsafeMutableRawPointer {
    guard let pointer = body() else {
        throw ZMQError(code: .init(rawValue: zmq_errno()), operation: operation())
    }
    return pointer
}
