internal import CGStreamer
internal import CGStreamerShims

/// Identifies a connected signal handler, for `Element.disconnect(_:)`.
public struct SignalHandlerID: Hashable, Sendable {
    let rawValue: UInt
}

/// What splitmuxsink knows about a fragment when it asks for the fragment's file name.
public struct FragmentInfo: Hashable, Sendable {
    /// The fragment's index: 0, 1, 2, … (offset by splitmuxsink's `start-index`).
    public var fragmentID: UInt32
    /// Presentation time of the fragment's first buffer in nanoseconds, when known.
    public var firstSamplePTS: Int64?
    /// Caps of the fragment's first buffer, when known.
    public var firstSampleCaps: String?
}

extension Element {
    /// Names each new file of a splitmuxsink (or any element with a "format-location-full"
    /// signal): `handler` returns the full path, or nil to fall back to the element's
    /// `location` pattern.
    ///
    /// `handler` runs on a GStreamer streaming thread while the muxer waits for the name, so it
    /// must be quick and must not block. It is released when disconnected or when the element
    /// is destroyed.
    ///
    /// - Throws: `.wrongElementType` if the element has no such signal.
    @discardableResult
    public func connectFormatLocationFull(
        _ handler: @escaping @Sendable (FragmentInfo) -> String?
    ) throws -> SignalHandlerID {
        try connectFormatLocation(full: true, handler)
    }

    /// Names each new file of a splitmuxsink from its fragment index alone, through the
    /// "format-location" signal. See `connectFormatLocationFull(_:)`.
    @discardableResult
    public func connectFormatLocation(
        _ handler: @escaping @Sendable (_ fragmentID: UInt32) -> String?
    ) throws -> SignalHandlerID {
        try connectFormatLocation(full: false) { handler($0.fragmentID) }
    }

    /// Disconnects a handler; its closure is released. Disconnecting twice is harmless.
    /// The corresponding C function is `g_signal_handler_disconnect`.
    public func disconnect(_ id: SignalHandlerID) {
        if g_signal_handler_is_connected(handle.cast(to: GObject.self), gulong(id.rawValue)) != 0 {
            g_signal_handler_disconnect(handle.cast(to: GObject.self), gulong(id.rawValue))
        }
    }

    private func connectFormatLocation(
        full: Bool, _ handler: @escaping @Sendable (FragmentInfo) -> String?
    ) throws -> SignalHandlerID {
        // The box's +1 retain belongs to the C closure; the shim releases it exactly once,
        // from the closure's destroy notification.
        let box = Unmanaged.passRetained(FormatLocationHandler(handler)).toOpaque()
        let id = CGStreamerShims_connect_format_location(handle, full ? 1 : 0, { userData, fragmentID, sample in
            guard let userData else { return nil }
            let handler = Unmanaged<FormatLocationHandler>.fromOpaque(userData).takeUnretainedValue()
            let info = FragmentInfo(fragmentID: fragmentID, sample: sample)
            guard let location = handler.body(info) else { return nil }
            // GStreamer frees the returned name with g_free, so it must come from GLib.
            return g_strdup(location)
        }, box, { userData in
            guard let userData else { return }
            Unmanaged<FormatLocationHandler>.fromOpaque(userData).release()
        })
        guard id != 0 else {
            throw GStreamerError(
                code: .wrongElementType,
                message: "\(displayName) has no '\(full ? "format-location-full" : "format-location")' signal; "
                    + "only splitmuxsink-like elements name their output files")
        }
        return SignalHandlerID(rawValue: UInt(id))
    }
}

private final class FormatLocationHandler: Sendable {
    let body: @Sendable (FragmentInfo) -> String?

    init(_ body: @escaping @Sendable (FragmentInfo) -> String?) {
        self.body = body
    }
}

extension FragmentInfo {
    init(fragmentID: UInt32, sample: OpaquePointer?) {
        self.fragmentID = fragmentID
        guard let sample else { return }
        if let buffer = gst_sample_get_buffer(sample) {
            firstSamplePTS = ClockTime.nanoseconds(CGStreamerShims_buffer_pts(buffer))
        }
        if let caps = gst_sample_get_caps(sample) {
            firstSampleCaps = String(consumingGString: gst_caps_to_string(caps))
        }
    }
}
