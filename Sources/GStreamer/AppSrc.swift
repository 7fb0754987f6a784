internal import CGStreamer
internal import CGStreamerApp
internal import CGStreamerShims

/// An `appsrc` element, the pipeline's entrance from Swift: push frames one by one.
///
/// ```swift
/// let source = try pipeline.appSrc(named: "src")
/// try source.setCaps(Caps.rawVideo(format: "BGR", width: 640, height: 480, framerate: Fraction(30, 1)))
/// try source.push(borrowing: pointer, count: size, owner: frame, pts: pts, duration: nil, keyframe: nil)
/// try source.endOfStream()
/// ```
///
/// The element is switched to time format on wrap, because pushes carry nanosecond
/// timestamps. Pushes may block (see `block`); call them from a dedicated thread. A blocked
/// push wakes when the pipeline stops, and then throws `.flushing`.
public final class AppSrc: @unchecked Sendable {
    // @unchecked Sendable: GstAppSrc's API is MT-safe (its queue is guarded by its own mutex
    // and condition variable), and this class only holds an immutable element reference.

    /// The underlying element, for setting other properties.
    public let element: Element

    var source: UnsafeMutablePointer<GstAppSrc> { element.handle.cast() }

    /// Wraps an element that must be an appsrc and sets `format=time`.
    ///
    /// - Throws: `.wrongElementType` for any other element.
    public init(_ element: Element) throws {
        guard CGStreamerShims_is_app_src(element.handle) != 0 else {
            throw GStreamerError(code: .wrongElementType, message: "\(element.displayName) is not an appsrc")
        }
        self.element = element
        try element.setProperty("format", fromString: "time")
    }

    /// Declares what will be pushed, e.g. `Caps.rawVideo(format: "BGR", …)` or `image/jpeg,…`.
    /// The corresponding C function is `gst_app_src_set_caps`.
    public func setCaps(_ caps: String) throws {
        try GStreamer.initialize()
        guard !CapsText.hasStructureNameStartingWithDigit(caps), let parsed = gst_caps_from_string(caps) else {
            throw GStreamerError(code: .invalidCaps, message: "invalid caps '\(caps)' for \(element.displayName)")
        }
        defer { gst_caps_unref(parsed) }
        gst_app_src_set_caps(source, parsed)
    }

    /// Whether the source behaves as live (a camera): sinks do not wait to preroll and
    /// timestamps are expected to follow the clock. Set before the pipeline starts.
    public var isLive: Bool {
        // appsrc always has the boolean "is-live" and "block" properties, so these cannot fail.
        get { (try? element.propertyString("is-live")) == "true" }
        set { try? element.setProperty("is-live", newValue) }
    }

    /// Whether a push into a full queue waits for room (back-pressure) rather than queueing
    /// past the limits (or leaking, see `leakyType`).
    public var block: Bool {
        get { (try? element.propertyString("block")) == "true" }
        set { try? element.setProperty("block", newValue) }
    }

    /// Queue limit in bytes (0: unlimited). GStreamer's default is 200 000.
    public var maxBytes: UInt64 {
        get { UInt64(gst_app_src_get_max_bytes(source)) }
        set { gst_app_src_set_max_bytes(source, .init(newValue)) }
    }

    /// Queue limit in buffers (0: unlimited, the default).
    public var maxBuffers: UInt64 {
        get { UInt64(gst_app_src_get_max_buffers(source)) }
        set { gst_app_src_set_max_buffers(source, .init(newValue)) }
    }

    /// Queue limit in nanoseconds of content (0: unlimited, the default).
    public var maxTime: UInt64 {
        get { UInt64(gst_app_src_get_max_time(source)) }
        set { gst_app_src_set_max_time(source, .init(newValue)) }
    }

    /// Which buffers a full, non-blocking queue throws away.
    public var leakyType: LeakyType {
        get { LeakyType(gst_app_src_get_leaky_type(source)) }
        set { gst_app_src_set_leaky_type(source, newValue.gstType) }
    }

    /// Bytes queued and not yet taken by the pipeline.
    public var queuedBytes: UInt64 {
        UInt64(gst_app_src_get_current_level_bytes(source))
    }

    /// Tells the pipeline no more data will come; muxers then finalize their output.
    ///
    /// - Throws: `.flushing` if the pipeline is stopped. The corresponding C function is
    ///   `gst_app_src_end_of_stream`.
    public func endOfStream() throws {
        try check(gst_app_src_end_of_stream(source), action: "end the stream")
    }

    /// Turns a GstFlowReturn into success or a `GStreamerError` a caller can act on:
    /// flushing and end of stream mean "stop pushing", anything else is a real failure.
    func check(_ flow: GstFlowReturn, action: String) throws {
        switch flow {
        case GST_FLOW_OK:
            return
        case GST_FLOW_FLUSHING:
            throw GStreamerError(code: .flushing,
                                 message: "\(element.displayName) could not \(action): it is flushing (its pipeline is stopped or stopping)")
        case GST_FLOW_EOS:
            throw GStreamerError(code: .endOfStream,
                                 message: "\(element.displayName) could not \(action): the stream has already ended")
        default:
            let name = String(borrowingGString: gst_flow_get_name(flow)) ?? "\(flow.rawValue)"
            throw GStreamerError(code: .dataFlow,
                                 message: "\(element.displayName) could not \(action): flow returned \(name)")
        }
    }
}

extension AppSrc {
    /// What a full, non-blocking appsrc queue drops.
    public enum LeakyType: Hashable, Sendable {
        /// Queue without limit (the default).
        case none
        /// Drop the new buffer being pushed.
        case upstream
        /// Drop the oldest queued buffer: the freshest frame wins.
        case downstream

        init(_ type: GstAppLeakyType) {
            switch type {
            case GST_APP_LEAKY_TYPE_UPSTREAM: self = .upstream
            case GST_APP_LEAKY_TYPE_DOWNSTREAM: self = .downstream
            default: self = .none
            }
        }

        var gstType: GstAppLeakyType {
            switch self {
            case .none: GST_APP_LEAKY_TYPE_NONE
            case .upstream: GST_APP_LEAKY_TYPE_UPSTREAM
            case .downstream: GST_APP_LEAKY_TYPE_DOWNSTREAM
            }
        }
    }
}
