internal import CGStreamer
internal import CGStreamerShims

/// One element of a pipeline (or a free-standing one from `ElementFactory.make`).
///
/// The wrapper holds its own reference, so it stays valid after the pipeline is gone; it then
/// simply refers to an element nobody drives.
public final class Element: @unchecked Sendable {
    // @unchecked Sendable: the handle is immutable and GstElement reference counting is atomic;
    // the operations exposed here are MT-safe in GStreamer: names are read under the object
    // lock, elements guard their property setters with it, and GObject locks signal
    // (dis)connection.

    let handle: UnsafeMutablePointer<GstElement>

    /// Adopts a reference the caller owns (`transfer full`, already sunk).
    init(owning handle: UnsafeMutablePointer<GstElement>) {
        self.handle = handle
    }

    /// Takes a new reference to an element someone else owns (`transfer none`).
    init(retaining handle: UnsafeMutablePointer<GstElement>) {
        gst_object_ref(handle)
        self.handle = handle
    }

    deinit {
        gst_object_unref(handle)
    }

    /// The element's name in its pipeline, e.g. `x264enc0` or the `name=` given.
    public var name: String {
        String(consumingGString: gst_object_get_name(handle.cast(to: GstObject.self))) ?? ""
    }

    /// The factory (the name typed in a description) that made the element, e.g. `x264enc`.
    /// Nil only for elements built by hand rather than from a factory.
    public var factoryName: String? {
        guard let factory = gst_element_get_factory(handle) else { return nil }
        return String(consumingGString: gst_object_get_name(UnsafeMutablePointer<GstObject>(factory)))
    }

    /// The GObject type name, e.g. `GstX264Enc`.
    public var typeName: String {
        String(borrowingGString: CGStreamerShims_object_type_name(handle)) ?? ""
    }

    /// "element 'x264enc0' (x264enc)": how error messages name an element.
    var displayName: String {
        if let factoryName, factoryName != name {
            return "element '\(name)' (\(factoryName))"
        }
        return "element '\(name)'"
    }
}
