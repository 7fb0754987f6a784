/// All parts of one multipart message, as returned by
/// ``ZMQSocket/receiveMultipart(dontWait:maxParts:)``.
public struct ZMQMultipartMessage: Sendable, RandomAccessCollection {
    /// The parts kept, at most the `maxParts` the caller asked for.
    public let parts: [ZMQMessage]
    /// How many further parts arrived and were discarded because of `maxParts`.
    public let discardedPartCount: Int

    public init(parts: [ZMQMessage], discardedPartCount: Int = 0) {
        self.parts = parts
        self.discardedPartCount = discardedPartCount
    }

    /// Whether the sender sent more parts than the caller accepted.
    public var isTruncated: Bool { discardedPartCount > 0 }

    /// The number of parts the sender sent, kept or not.
    public var sentPartCount: Int { parts.count + discardedPartCount }

    public var startIndex: Int { parts.startIndex }
    public var endIndex: Int { parts.endIndex }
    public subscript(position: Int) -> ZMQMessage { parts[position] }
}
