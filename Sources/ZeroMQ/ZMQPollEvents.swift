internal import CZeroMQ

/// Readiness of a socket or file descriptor: what ``zmqPoll(_:timeout:)`` waits for and
/// reports, and the value of ``ZMQSocketOption/events``.
public struct ZMQPollEvents: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int16

    public init(rawValue: Int16) { self.rawValue = rawValue }

    /// At least one message can be received without blocking.
    public static let pollIn = ZMQPollEvents(rawValue: Int16(ZMQ_POLLIN))
    /// At least one message can be sent without blocking.
    public static let pollOut = ZMQPollEvents(rawValue: Int16(ZMQ_POLLOUT))
    /// An error condition on a file descriptor (never reported for sockets).
    public static let pollError = ZMQPollEvents(rawValue: Int16(ZMQ_POLLERR))

    public var description: String {
        var names: [String] = []
        if contains(.pollIn) { names.append("in") }
        if contains(.pollOut) { names.append("out") }
        if contains(.pollError) { names.append("error") }
        return "[" + names.joined(separator: ", ") + "]"
    }
}
