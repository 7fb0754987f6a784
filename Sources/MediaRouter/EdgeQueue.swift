import Synchronization

/// One edge: a bounded queue of frames from a producer to one consumer. The queue lives in the
/// consumer's `InputHub` and is guarded by the hub's lock, so the consumer can wait for any of
/// its inputs at once; the producer holds the edge and pushes into it. An edge outlives the
/// nodes at its ends while a reload replaces them, so an unchanged edge never loses or repeats a
/// frame.
public final class EdgeQueue: Sendable {
    /// The producer's name.
    public let from: String
    /// The consumer's name.
    public let to: String
    public let counters: EdgeCounters
    let hub: InputHub
    /// The key of this edge's queue in `hub`.
    let id: Int

    init(from: String, to: String, counters: EdgeCounters, hub: InputHub, id: Int) {
        self.from = from
        self.to = to
        self.counters = counters
        self.hub = hub
        self.id = id
    }

    /// Queues a frame; with `block` this waits for space.
    public func push(_ frame: Frame) { hub.push(frame, into: self) }

    public var settings: QueueSettings { hub.settings(of: self) }
}
