internal import CGStreamer
internal import CGStreamerShims

/// A running GStreamer pipeline built from a gst-launch style description.
///
/// ```swift
/// let pipeline = try Pipeline(description: "videotestsrc num-buffers=30 ! fakesink")
/// try pipeline.play()
/// _ = try pipeline.waitForEndOfStream(timeout: 5)
/// pipeline.stop()
/// ```
///
/// State changes, bus reads and `sendEndOfStream()` block the calling thread; call them from a
/// thread of your own, never from Swift's cooperative pool. Deinitialization sets the pipeline
/// to NULL (which wakes any thread blocked in an appsink or appsrc of it), interrupts its bus
/// and releases it.
public final class Pipeline: @unchecked Sendable {
    // @unchecked Sendable: the class holds only immutable references to a GstPipeline and its
    // GstBus, and every GStreamer call made through them (state changes, events, queries, bus
    // pops, bin lookups) is documented MT-safe and does its own locking.

    let handle: UnsafeMutablePointer<GstElement>

    /// The pipeline's message bus.
    public let bus: Bus

    /// How long state changes wait for asynchronous completion unless told otherwise.
    public static let defaultStateChangeTimeout: Double = 10

    /// Parses a gst-launch description (`videotestsrc ! videoconvert ! appsink name=sink`)
    /// into a new pipeline in the NULL state.
    ///
    /// - Throws: `GStreamerError` with code `.missingElements` (and the names in
    ///   `missingElements`) when an element is not installed, `.parse` for syntax, property
    ///   or link errors. The corresponding C function is `gst_parse_launch_full`.
    public init(description: String) throws {
        handle = try Pipeline.parse(description)
        guard let busHandle = gst_element_get_bus(handle) else {
            // A GstPipeline always has a bus; this is unreachable short of memory corruption.
            fatalError("GstPipeline without a bus")
        }
        bus = Bus(owning: busHandle)
        CGStreamerShims_bus_install_error_recorder(busHandle)
    }

    deinit {
        gst_element_set_state(handle, GST_STATE_NULL)
        gst_object_unref(handle)
        // Nothing will be posted on the bus any more; wake a reader that still holds it.
        bus.interrupt()
    }

    /// The pipeline's name (`pipeline0` unless the description named it).
    public var name: String {
        String(consumingGString: gst_object_get_name(handle.cast(to: GstObject.self))) ?? ""
    }

    /// The element called `name` anywhere in the pipeline (nested bins included), or nil.
    /// The corresponding C function is `gst_bin_get_by_name`.
    public func element(named name: String) -> Element? {
        gst_bin_get_by_name(handle.cast(to: GstBin.self), name).map { Element(owning: $0) }
    }

    /// The element called `name`, or an error naming the elements that do exist.
    public func requireElement(named name: String) throws -> Element {
        if let element = element(named: name) {
            return element
        }
        let names = elements.map(\.name)
        var message = "pipeline has no element named '\(name)'"
        if let suggestion = Suggestions.nearest(to: name, in: names) {
            message += "; did you mean '\(suggestion)'?"
        } else if !names.isEmpty {
            message += "; its elements are: \(names.joined(separator: ", "))"
        }
        throw GStreamerError(code: .noSuchElement, message: message, validValues: names)
    }

    /// The appsink called `name`.
    public func appSink(named name: String) throws -> AppSink {
        try AppSink(requireElement(named: name))
    }

    /// The appsrc called `name`.
    public func appSrc(named name: String) throws -> AppSrc {
        try AppSrc(requireElement(named: name))
    }

    /// Every element in the pipeline, nested bins' children included, in no particular order.
    /// The corresponding C function is `gst_bin_iterate_recurse`.
    public var elements: [Element] {
        Pipeline.elements(in: handle)
    }

    static func elements(in bin: UnsafeMutablePointer<GstElement>) -> [Element] {
        guard let iterator = gst_bin_iterate_recurse(bin.cast(to: GstBin.self)) else { return [] }
        defer { gst_iterator_free(iterator) }
        var result: [Element] = []
        var value = GValue()
        while true {
            switch gst_iterator_next(iterator, &value) {
            case GST_ITERATOR_OK:
                if let object = g_value_get_object(&value) {
                    let element = object.assumingMemoryBound(to: GstElement.self)
                    result.append(Element(retaining: element))
                }
                g_value_reset(&value)
            case GST_ITERATOR_RESYNC:
                // The bin changed while iterating; start over rather than return a mix.
                result.removeAll()
                gst_iterator_resync(iterator)
            default:
                g_value_unset(&value)
                return result
            }
        }
    }
}
