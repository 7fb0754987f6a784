internal import CGStreamer

extension Pipeline {
    /// Asks every source to finish: end of stream then flows downstream, muxers write their
    /// trailers, and the bus posts `.endOfStream` once every sink has it.
    ///
    /// Returns false if no element accepted the event (typically: the pipeline is not running).
    /// The corresponding C function is `gst_element_send_event` with `gst_event_new_eos`.
    @discardableResult
    public func sendEndOfStream() -> Bool {
        gst_element_send_event(handle, gst_event_new_eos()) != 0
    }

    /// Reads the bus until end of stream, an error, or the timeout.
    ///
    /// Other messages are read and discarded, so do not use this while another thread reads
    /// the same bus.
    ///
    /// - Returns: true at end of stream; false if `timeout` seconds passed first or
    ///   `bus.interrupt()` was called.
    /// - Throws: `.elementError` with the element's message if an ERROR arrives first.
    public func waitForEndOfStream(timeout: Double?) throws -> Bool {
        let deadline = Deadline(seconds: timeout)
        while true {
            switch bus.nextMessage(timeout: deadline.remainingSeconds, types: [.endOfStream, .error]) {
            case .endOfStream:
                return true
            case let .error(source, message, debug):
                throw GStreamerError(code: .elementError,
                                     message: BusMessage.describeError(source: source, message: message, debug: debug))
            case nil, .interrupted:
                return false
            default:
                continue
            }
        }
    }

    /// Ends the pipeline gracefully: sends end of stream, waits up to `timeout` seconds for it
    /// to reach every sink (so recordings are finalized and playable), then stops.
    ///
    /// The pipeline is stopped even when this throws or times out, so a wedged element cannot
    /// keep the process from exiting.
    ///
    /// - Returns: true if end of stream arrived in time; false if the pipeline had to be
    ///   stopped without it (files may lack their index).
    @discardableResult
    public func finish(timeout: Double?) throws -> Bool {
        defer { stop() }
        guard sendEndOfStream() else { return false }
        return try waitForEndOfStream(timeout: timeout)
    }

    /// The position of the stream in nanoseconds, nil before the pipeline has one.
    /// The corresponding C function is `gst_element_query_position`.
    public var positionNanoseconds: Int64? {
        var position: gint64 = -1
        guard gst_element_query_position(handle, GST_FORMAT_TIME, &position) != 0, position >= 0 else { return nil }
        return Int64(position)
    }

    /// The total duration in nanoseconds, nil for live or unknown-length streams.
    public var durationNanoseconds: Int64? {
        var duration: gint64 = -1
        guard gst_element_query_duration(handle, GST_FORMAT_TIME, &duration) != 0, duration >= 0 else { return nil }
        return Int64(duration)
    }

    /// Nanoseconds of pipeline clock time since the pipeline last started playing (the
    /// running time buffers are synchronized against), nil when the pipeline has no clock.
    public var runningTimeNanoseconds: Int64? {
        guard let clock = gst_element_get_clock(handle) else { return nil }
        defer { gst_object_unref(clock) }
        let now = gst_clock_get_time(clock)
        let base = gst_element_get_base_time(handle)
        guard now != ClockTime.none, base != ClockTime.none, now >= base else { return nil }
        return ClockTime.nanoseconds(now - base)
    }
}
