internal import CGStreamer

/// The state of an element or pipeline. Data flows only in `.playing`; `.paused` holds one
/// prerolled buffer at the sinks; `.ready` has resources (files, devices) open; `.null` has
/// released everything.
public enum ElementState: Int, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// No state change is pending (only seen as a "pending" state).
    case voidPending = 0
    case null = 1
    case ready = 2
    case paused = 3
    case playing = 4

    init(_ state: GstState) {
        self = ElementState(rawValue: Int(state.rawValue)) ?? .voidPending
    }

    var gstState: GstState {
        GstState(rawValue: .init(rawValue))
    }

    public static func < (lhs: ElementState, rhs: ElementState) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    /// GStreamer's own spelling (`PLAYING`), which is what its logs and gst-launch print.
    public var description: String {
        String(borrowingGString: gst_element_state_get_name(gstState)) ?? "UNKNOWN"
    }
}

/// How a state change completed.
public enum StateChangeResult: Hashable, Sendable {
    /// The element reached the state.
    case success
    /// The element reached the state but, being live, cannot preroll in PAUSED: normal for
    /// cameras and other live sources.
    case noPreroll
    /// The change continues in the background; only returned when the caller asked not to
    /// wait (a timeout of 0).
    case async
}
