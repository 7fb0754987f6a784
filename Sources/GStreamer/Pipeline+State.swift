internal import CGStreamer
internal import CGStreamerShims

extension Pipeline {
    /// Changes the pipeline's state, waiting up to `timeout` seconds for an asynchronous
    /// change (prerolling) to complete.
    ///
    /// Pass a `timeout` of 0 to return `.async` immediately instead of waiting, e.g. to start
    /// a non-live appsrc pipeline whose sinks cannot preroll until you push data. Pass nil to
    /// wait without limit.
    ///
    /// - Throws: `.stateChange` with the error an element posted (e.g. "Could not open file
    ///   for writing"), or `.stateChangeTimeout`. The corresponding C functions are
    ///   `gst_element_set_state` and `gst_element_get_state`.
    @discardableResult
    public func setState(_ state: ElementState,
                         timeout: Double? = Pipeline.defaultStateChangeTimeout) throws -> StateChangeResult {
        // Forget errors from earlier runs so a failure reports its own cause.
        CGStreamerShims_bus_clear_first_error(bus.handle)
        switch gst_element_set_state(handle, state.gstState) {
        case GST_STATE_CHANGE_SUCCESS:
            return .success
        case GST_STATE_CHANGE_NO_PREROLL:
            return .noPreroll
        case GST_STATE_CHANGE_ASYNC:
            if let timeout, timeout <= 0 {
                return .async
            }
            return try waitForStateChange(to: state, timeout: timeout)
        default:
            throw stateChangeFailure(to: state)
        }
    }

    /// Sets the pipeline PLAYING. See `setState(_:timeout:)`.
    @discardableResult
    public func play(timeout: Double? = Pipeline.defaultStateChangeTimeout) throws -> StateChangeResult {
        try setState(.playing, timeout: timeout)
    }

    /// Sets the pipeline PAUSED (prerolled). See `setState(_:timeout:)`.
    @discardableResult
    public func pause(timeout: Double? = Pipeline.defaultStateChangeTimeout) throws -> StateChangeResult {
        try setState(.paused, timeout: timeout)
    }

    /// Sets the pipeline to NULL: stops streaming, wakes threads blocked in appsink pulls and
    /// appsrc pushes (they see flushing), closes files and devices.
    ///
    /// This does not finalize files; muxers need end of stream first (see `finish(timeout:)`).
    /// Going to NULL never waits for preroll, so it cannot time out. A stopped pipeline's bus
    /// drops new messages, so a thread waiting on the bus without a timeout needs
    /// `bus.interrupt()`.
    public func stop() {
        gst_element_set_state(handle, GST_STATE_NULL)
    }

    /// The state the pipeline is in now, without waiting for a pending change.
    public var currentState: ElementState {
        var current = GST_STATE_VOID_PENDING
        var pending = GST_STATE_VOID_PENDING
        gst_element_get_state(handle, &current, &pending, 0)
        return ElementState(current)
    }

    private func waitForStateChange(to state: ElementState, timeout: Double?) throws -> StateChangeResult {
        var current = GST_STATE_VOID_PENDING
        var pending = GST_STATE_VOID_PENDING
        switch gst_element_get_state(handle, &current, &pending, ClockTime.timeout(seconds: timeout)) {
        case GST_STATE_CHANGE_SUCCESS:
            return .success
        case GST_STATE_CHANGE_NO_PREROLL:
            return .noPreroll
        case GST_STATE_CHANGE_ASYNC:
            let seconds = timeout.map { "\($0)" } ?? "∞"
            throw GStreamerError(
                code: .stateChangeTimeout,
                message: "pipeline '\(name)' did not reach \(state) within \(seconds) s "
                    + "(still \(ElementState(current)), pending \(ElementState(pending))); "
                    + "a sink is probably waiting for data to preroll")
        default:
            throw stateChangeFailure(to: state)
        }
    }

    private func stateChangeFailure(to state: ElementState) -> GStreamerError {
        var message = "could not set pipeline '\(name)' to \(state)"
        if let error = CGStreamerShims_bus_first_error(bus.handle) {
            defer { gst_message_unref(error) }
            if case let .error(source, text, debug) = BusMessage(error) {
                message += ": " + BusMessage.describeError(source: source, message: text, debug: debug)
            }
        } else {
            message += " (no element said why)"
        }
        return GStreamerError(code: .stateChange, message: message)
    }
}
