internal import CGStreamer

/// Element factories: the installed element kinds, by the names used in descriptions.
public enum ElementFactory {
    /// Whether an element kind is installed (its plugin loads).
    /// The corresponding C function is `gst_element_factory_find`.
    public static func exists(_ name: String) -> Bool {
        guard (try? GStreamer.initialize()) != nil, let factory = gst_element_factory_find(name) else {
            return false
        }
        gst_object_unref(UnsafeMutableRawPointer(factory))
        return true
    }

    /// Creates a free-standing element, e.g. to read a factory's properties and their defaults.
    ///
    /// - Throws: `.missingElements` (naming the Debian package when known) if no such factory
    ///   is installed. The corresponding C function is `gst_element_factory_make`.
    public static func make(_ factory: String, name: String? = nil) throws -> Element {
        try GStreamer.initialize()
        guard let element = gst_element_factory_make(factory, name) else {
            var message = "GStreamer element '\(factory)' is not installed"
            if let package = debianPackage(forElement: factory) {
                message += " (Debian package \(package))"
            }
            throw GStreamerError(code: .missingElements, message: message, missingElements: [factory])
        }
        // Factories return a floating reference; sinking makes it the wrapper's own.
        return Element(owning: gst_object_ref_sink(element).assumingMemoryBound(to: GstElement.self))
    }
}
