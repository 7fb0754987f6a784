internal import CGStreamer
internal import CGStreamerApp
internal import CGStreamerShims

extension AppSrc {
    /// Pushes memory the caller owns into the pipeline without copying it.
    ///
    /// The pipeline reads `pointer` until it is done with the buffer, possibly long after this
    /// call returns (queues, encoders). `owner` is retained until then and released exactly
    /// once when GStreamer frees the buffer, including when the push fails; the memory must
    /// stay valid and unchanged while `owner` is alive.
    ///
    /// - Parameters:
    ///   - pts: presentation time in nanoseconds, nil to let the pipeline decide.
    ///   - duration: nanoseconds, nil if unknown.
    ///   - keyframe: false marks a delta frame (DELTA_UNIT); nil leaves the flag unset.
    /// - Throws: `.flushing` (pipeline stopped), `.endOfStream` (already ended) or
    ///   `.dataFlow`. The corresponding C functions are `gst_buffer_new_wrapped_full` and
    ///   `gst_app_src_push_buffer`.
    public func push(borrowing pointer: UnsafeRawPointer, count: Int, owner: AnyObject,
                     pts: Int64?, duration: Int64?, keyframe: Bool?) throws {
        precondition(count >= 0, "negative byte count")
        let retained = Unmanaged.passRetained(owner).toOpaque()
        // READONLY: the memory is borrowed, so elements that want to write must copy it first.
        guard let buffer = gst_buffer_new_wrapped_full(
            GST_MEMORY_FLAG_READONLY, UnsafeMutableRawPointer(mutating: pointer), gsize(count), 0, gsize(count),
            retained, { userData in
                guard let userData else { return }
                Unmanaged<AnyObject>.fromOpaque(userData).release()
            })
        else {
            Unmanaged<AnyObject>.fromOpaque(retained).release()
            throw GStreamerError(code: .dataFlow, message: "could not wrap \(count) bytes in a GstBuffer")
        }
        try push(buffer, pts: pts, duration: duration, keyframe: keyframe)
    }

    /// Pushes a copy of `bytes`. See `push(borrowing:count:owner:pts:duration:keyframe:)`.
    /// The corresponding C function is `gst_buffer_new_memdup`.
    public func push(bytes: some Collection<UInt8>, pts: Int64?, duration: Int64?, keyframe: Bool?) throws {
        let buffer = bytes.withContiguousStorageIfAvailable { storage in
            gst_buffer_new_memdup(storage.baseAddress, gsize(storage.count))
        } ?? Array(bytes).withUnsafeBufferPointer { storage in
            gst_buffer_new_memdup(storage.baseAddress, gsize(storage.count))
        }
        guard let buffer else {
            throw GStreamerError(code: .dataFlow, message: "could not allocate a GstBuffer of \(bytes.count) bytes")
        }
        try push(buffer, pts: pts, duration: duration, keyframe: keyframe)
    }

    /// Stamps and pushes a buffer; the push takes ownership of it whatever the outcome.
    private func push(_ buffer: UnsafeMutablePointer<GstBuffer>, pts: Int64?, duration: Int64?,
                      keyframe: Bool?) throws {
        CGStreamerShims_buffer_set_pts(buffer, ClockTime.clockTime(nanoseconds: pts))
        CGStreamerShims_buffer_set_duration(buffer, ClockTime.clockTime(nanoseconds: duration))
        if let keyframe {
            CGStreamerShims_buffer_set_delta_unit(buffer, keyframe ? 0 : 1)
        }
        try check(gst_app_src_push_buffer(source, buffer), action: "push a buffer")
    }
}
