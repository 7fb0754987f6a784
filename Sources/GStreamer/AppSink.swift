internal import CGStreamer
internal import CGStreamerApp
internal import CGStreamerShims

/// An `appsink` element, the pipeline's exit into Swift: pull frames one by one.
///
/// ```swift
/// let sink = try pipeline.appSink(named: "sink")
/// sink.maxBuffers = 2; sink.drop = true   // live: keep the freshest frames
/// while case .sample(let frame) = sink.pullSample(timeout: 1) { … }
/// ```
///
/// `pullSample` blocks; call it from a dedicated thread. It wakes for a frame, end of stream,
/// the pipeline stopping (`.flushing`), or its timeout.
public final class AppSink: @unchecked Sendable {
    // @unchecked Sendable: GstAppSink's API is MT-safe (its queue is guarded by its own mutex
    // and condition variable), and this class only holds an immutable element reference.

    /// The underlying element, for setting other properties.
    public let element: Element

    private var sink: UnsafeMutablePointer<GstAppSink> { element.handle.cast() }

    /// Wraps an element that must be an appsink. Turns off `emit-signals`, since frames are
    /// pulled, so GStreamer does not pay for signal emission per frame.
    ///
    /// - Throws: `.wrongElementType` for any other element.
    public init(_ element: Element) throws {
        guard CGStreamerShims_is_app_sink(element.handle) != 0 else {
            throw GStreamerError(code: .wrongElementType,
                                 message: "\(element.displayName) is not an appsink")
        }
        self.element = element
        gst_app_sink_set_emit_signals(sink, 0)
    }

    /// Waits for the next frame.
    ///
    /// - Parameter timeout: seconds to wait; nil waits until a frame, end of stream or
    ///   flushing. The corresponding C functions are `gst_app_sink_try_pull_sample` and
    ///   `gst_app_sink_pull_sample`.
    public func pullSample(timeout: Double?) -> AppSinkResult {
        let sample = if let timeout {
            gst_app_sink_try_pull_sample(sink, ClockTime.timeout(seconds: timeout))
        } else {
            gst_app_sink_pull_sample(sink)
        }
        if let sample {
            return .sample(VideoSample(owning: sample))
        }
        // A NULL sample means timeout, EOS or flushing, and appsink does not say which. The
        // state goes first because a stopped appsink also claims to be at end of stream.
        if CGStreamerShims_element_target_state(element.handle).rawValue < GST_STATE_PAUSED.rawValue {
            return .flushing
        }
        if gst_app_sink_is_eos(sink) != 0 {
            return .endOfStream
        }
        return timeout == nil ? .flushing : .timeout
    }

    /// Whether the appsink has received end of stream and has no queued frames left. GStreamer
    /// also reports true while the appsink is stopped.
    public var isEndOfStream: Bool {
        gst_app_sink_is_eos(sink) != 0
    }

    /// How many frames the appsink queues before it blocks upstream (or drops, see `drop`);
    /// 0 means unlimited. Small values (1–2) keep latency low for live sources.
    public var maxBuffers: UInt32 {
        get { gst_app_sink_get_max_buffers(sink) }
        set { gst_app_sink_set_max_buffers(sink, newValue) }
    }

    /// When the queue is full: true drops the oldest frame, false blocks the pipeline
    /// (back-pressure).
    public var drop: Bool {
        get { gst_app_sink_get_drop(sink) != 0 }
        set { gst_app_sink_set_drop(sink, newValue ? 1 : 0) }
    }

    /// Whether frames are released at their presentation time against the pipeline clock
    /// (true, GStreamer's default) or as soon as they arrive (false: for processing as fast as
    /// possible, or when the source already paces itself).
    public var sync: Bool {
        // Every GstBaseSink has a boolean "sync", so these cannot fail.
        get { (try? element.propertyString("sync")) == "true" }
        set { try? element.setProperty("sync", newValue) }
    }

    /// Whether the appsink emits `new-sample` signals. Off by default here: frames are pulled.
    public var emitsSignals: Bool {
        get { gst_app_sink_get_emit_signals(sink) != 0 }
        set { gst_app_sink_set_emit_signals(sink, newValue ? 1 : 0) }
    }
}
