/// Hands graph events to every subscriber. Posting never blocks (node threads post): each
/// subscriber has a bounded buffer that keeps the newest events.
public final class GraphEvents: Sendable {
    private struct State {
        var next = 1
        var subscribers: [Int: AsyncStream<GraphEvent>.Continuation] = [:]
        var nextID = 0
        var recent: [GraphEvent] = []
    }

    private let state = Locked(State())
    /// Events kept for late subscribers that ask for history.
    public static let recentLimit = 200

    public init() {}

    public func post(_ event: GraphEvent) {
        let (posted, subscribers) = state.withLock { s -> (GraphEvent, [AsyncStream<GraphEvent>.Continuation]) in
            var e = event
            e.sequence = s.next
            s.next += 1
            s.recent.append(e)
            if s.recent.count > Self.recentLimit { s.recent.removeFirst(s.recent.count - Self.recentLimit) }
            return (e, Array(s.subscribers.values))
        }
        for c in subscribers { c.yield(posted) }
    }

    /// A stream of events from now on (after the `history` most recent ones); it ends when the
    /// reader stops iterating.
    public func subscribe(history: Int = 0, buffer: Int = 256) -> AsyncStream<GraphEvent> {
        let (stream, continuation) = AsyncStream<GraphEvent>.makeStream(bufferingPolicy: .bufferingNewest(buffer))
        let id = state.withLock { s -> Int in
            for e in s.recent.suffix(history) { continuation.yield(e) }
            s.nextID += 1
            s.subscribers[s.nextID] = continuation
            return s.nextID
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Ends every stream (the graph has stopped).
    public func finish() {
        let subscribers = state.withLock { s -> [AsyncStream<GraphEvent>.Continuation] in
            defer { s.subscribers.removeAll() }
            return Array(s.subscribers.values)
        }
        for c in subscribers { c.finish() }
    }

    public var recent: [GraphEvent] { state.withLock { $0.recent } }
}
