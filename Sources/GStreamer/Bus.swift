internal import CGStreamer
internal import CGStreamerShims
#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// A pipeline's message bus: errors, end of stream, state changes and element messages posted
/// by elements from their streaming threads, queued until someone reads them.
///
/// Read it from one dedicated thread. `nextMessage` blocks; it is woken by a message, by its
/// timeout, or by `interrupt()` from any other thread. A stopped (NULL) pipeline's bus drops
/// everything posted to it, so after `Pipeline.stop()` only `interrupt()` or a timeout wakes a
/// reader.
public final class Bus: @unchecked Sendable {
    // @unchecked Sendable: GstBus is documented MT-safe (posting and popping take the bus
    // lock); the wake pipe's descriptors are immutable and read(2)/write(2) on them are atomic
    // for single bytes.

    let handle: UnsafeMutablePointer<GstBus>
    /// Readable whenever the bus holds messages (GStreamer's own notification descriptor).
    private let messageDescriptor: Int32
    /// One byte per pending `interrupt()`. A pipe rather than a bus message, because a flushing
    /// bus drops messages, and flushing is exactly when readers need waking.
    private let wakeReader: Int32
    private let wakeWriter: Int32

    init(owning handle: UnsafeMutablePointer<GstBus>) {
        self.handle = handle
        var pollDescriptor = GPollFD()
        gst_bus_get_pollfd(handle, &pollDescriptor)
        messageDescriptor = pollDescriptor.fd
        var descriptors: [Int32] = [-1, -1]
        guard pipe(&descriptors) == 0 else {
            // Only fails when the process is out of file descriptors; nothing sensible to do.
            fatalError("pipe() failed for a GStreamer bus wake-up channel: errno \(errno)")
        }
        for descriptor in descriptors {
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        }
        wakeReader = descriptors[0]
        wakeWriter = descriptors[1]
    }

    deinit {
        close(wakeReader)
        close(wakeWriter)
        gst_object_unref(handle)
    }

    /// Removes and returns the next message of one of `types`, waiting up to `timeout`
    /// seconds (nil: without limit, 0: don't wait).
    ///
    /// Messages of other types are removed and discarded, exactly as GStreamer does.
    ///
    /// - Returns: the message; `.interrupted` if `interrupt()` was called; nil on timeout.
    /// The corresponding C functions are `gst_bus_pop_filtered` and `gst_bus_get_pollfd`.
    public func nextMessage(timeout: Double?, types: BusMessage.Kinds = .all) -> BusMessage? {
        let deadline = Deadline(seconds: timeout)
        while true {
            if takeInterrupt() {
                return .interrupted
            }
            if let message = gst_bus_pop_filtered(handle, types.gstMask) {
                defer { gst_message_unref(message) }
                return BusMessage(message)
            }
            let remaining = deadline.remainingSeconds
            if remaining == 0 {
                return nil
            }
            var descriptors = [pollfd(fd: messageDescriptor, events: Int16(POLLIN), revents: 0),
                               pollfd(fd: wakeReader, events: Int16(POLLIN), revents: 0)]
            // Round up so a sub-millisecond remainder waits instead of spinning.
            let milliseconds = remaining.map { Int32(min(Double(Int32.max), ($0 * 1000).rounded(.up))) } ?? -1
            _ = poll(&descriptors, nfds_t(descriptors.count), milliseconds)
        }
    }

    /// Wakes one thread blocked in `nextMessage`, which returns `.interrupted`; if no thread is
    /// waiting, the next call returns `.interrupted` at once. Use it to end a bus-reading loop
    /// on shutdown; it works whatever state the pipeline is in.
    public func interrupt() {
        var byte: UInt8 = 1
        _ = write(wakeWriter, &byte, 1)
    }

    private func takeInterrupt() -> Bool {
        var byte: UInt8 = 0
        return read(wakeReader, &byte, 1) == 1
    }

    /// Posts an application message (received as `.application`) with string fields. Dropped
    /// if the pipeline is stopped (NULL), like every message on a stopped pipeline's bus.
    ///
    /// `name` must start with a letter and contain only letters, digits and `/-_.:+`.
    /// The corresponding C function is `gst_bus_post`.
    public func postApplicationMessage(name: String, fields: [String: String] = [:]) {
        precondition(CapsText.isValidStructureName(name), "invalid GStreamer message name '\(name)'")
        guard let structure = gst_structure_new_empty(name) else { return }
        for (key, value) in fields {
            var gvalue = GValue()
            g_value_init(&gvalue, CGStreamerShims_string_type())
            g_value_set_string(&gvalue, value)
            gst_structure_take_value(structure, key, &gvalue)
        }
        gst_bus_post(handle, gst_message_new_application(nil, structure))
    }
}
