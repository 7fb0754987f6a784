internal import CGStreamer
internal import CGStreamerShims

extension Pipeline {
    /// What a pipeline description contains, learned by parsing it without starting it.
    public struct CheckResult: Hashable, Sendable {
        /// Every element the description creates: (element name, factory name).
        public var elements: [ElementSummary]
    }

    /// An element's name and the factory (plugin feature) that made it.
    public struct ElementSummary: Hashable, Sendable {
        public var name: String
        public var factoryName: String?
    }

    /// Parses a description and discards the result, for validating configuration files
    /// before anything runs. Elements are created (so properties are checked) but no state
    /// change happens, so no device or file is opened.
    ///
    /// - Throws: the same errors as `init(description:)`.
    @discardableResult
    public static func check(description: String) throws -> CheckResult {
        let element = try parse(description)
        defer { gst_object_unref(element) }
        let summaries = elements(in: element).map { ElementSummary(name: $0.name, factoryName: $0.factoryName) }
        return CheckResult(elements: summaries)
    }

    /// Parses `description` into a GstPipeline we own a (non-floating) reference to.
    static func parse(_ description: String) throws -> UnsafeMutablePointer<GstElement> {
        try GStreamer.initialize()
        guard let context = gst_parse_context_new() else {
            throw GStreamerError(code: .parse, message: "could not create a GStreamer parse context")
        }
        defer { gst_parse_context_free(context) }

        var error: UnsafeMutablePointer<GError>?
        // FATAL_ERRORS: without it GStreamer returns a half-built pipeline with the missing
        // elements left out, which would then fail in confusing ways at play time.
        let parsed = gst_parse_launch_full(description, context, GST_PARSE_FLAG_FATAL_ERRORS, &error)
        // GStreamer 1.22 also lists an element here when one of its properties is unknown
        // (`videotestsrc nosuchprop=1` reports "videotestsrc" missing), so keep only the names
        // that really have no factory.
        let missing = consumeStringVector(gst_parse_context_get_missing_elements(context))
            .filter { !ElementFactory.exists($0) }
        guard let parsed, error == nil else {
            if let parsed { gst_object_unref(gst_object_ref_sink(parsed)) }
            throw parseError(error, missing: missing, description: description)
        }
        if CGStreamerShims_is_pipeline(parsed) != 0 {
            // The parser hands out a floating reference; sinking it makes it ours.
            return gst_object_ref_sink(parsed).assumingMemoryBound(to: GstElement.self)
        }
        // A single-element description parses to that element; a pipeline provides the bus
        // and clock every caller expects, and adopting the floating element sinks it.
        let pipeline = gst_object_ref_sink(gst_pipeline_new(nil)).assumingMemoryBound(to: GstElement.self)
        gst_bin_add(pipeline.cast(to: GstBin.self), parsed)
        return pipeline
    }

    private static func parseError(_ error: UnsafeMutablePointer<GError>?, missing: [String],
                                   description: String) -> GStreamerError {
        guard !missing.isEmpty else {
            return GStreamerError(consuming: error, code: .parse,
                                  context: "invalid pipeline description '\(description)'")
        }
        var context = "missing GStreamer element\(missing.count == 1 ? "" : "s") "
            + missing.map { "'\($0)'" }.joined(separator: ", ")
        let hints = missing.compactMap { name in
            ElementFactory.debianPackage(forElement: name).map { "\(name) is in Debian package \($0)" }
        }
        if !hints.isEmpty {
            context += " (\(hints.joined(separator: "; ")))"
        }
        return GStreamerError(consuming: error, code: .missingElements, context: context, missingElements: missing)
    }
}
