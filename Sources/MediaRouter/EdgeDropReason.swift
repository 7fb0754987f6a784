/// Why a frame was dropped on an edge.
public enum EdgeDropReason: String, Sendable, CaseIterable, Codable {
    /// A drop-oldest queue was full: its oldest frame made room for the newest.
    case queueFull = "queue_full"
    /// The consumer was not reading (failed, waiting to restart, stopped, not started yet).
    case consumerDown = "consumer_down"
    /// Frames left in an edge that a reload removed.
    case rewired
}
