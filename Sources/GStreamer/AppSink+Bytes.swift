internal import CGStreamer
internal import CGStreamerApp
internal import CGStreamerShims

/// The outcome of `AppSink.pullBytes(timeout:_:)`.
public enum AppSinkPull: Sendable, Equatable {
    /// A buffer's bytes were handed over.
    case bytes
    case timeout
    case endOfStream
    case flushing
}

extension AppSink {
    /// Waits for the next buffer and hands its bytes to `body` while they are mapped: for
    /// byte streams (a muxer's output), where `pullSample`'s caps parsing would only cost.
    /// The bytes are valid only inside `body`.
    public func pullBytes(timeout: Double?, _ body: (UnsafeRawBufferPointer) throws -> Void) rethrows -> AppSinkPull {
        let sink: UnsafeMutablePointer<GstAppSink> = element.handle.cast()
        let sample = if let timeout {
            gst_app_sink_try_pull_sample(sink, ClockTime.timeout(seconds: timeout))
        } else {
            gst_app_sink_pull_sample(sink)
        }
        guard let sample else {
            if CGStreamerShims_element_target_state(element.handle).rawValue < GST_STATE_PAUSED.rawValue { return .flushing }
            if gst_app_sink_is_eos(sink) != 0 { return .endOfStream }
            return timeout == nil ? .flushing : .timeout
        }
        defer { gst_sample_unref(sample) }
        guard let buffer = gst_sample_get_buffer(sample) else { return .bytes }
        var info = GstMapInfo()
        guard gst_buffer_map(buffer, &info, GST_MAP_READ) != 0 else { return .bytes }
        defer { gst_buffer_unmap(buffer, &info) }
        try body(UnsafeRawBufferPointer(start: info.data, count: Int(info.size)))
        return .bytes
    }
}
