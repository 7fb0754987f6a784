internal import CGStreamer
internal import CGStreamerShims

extension Element {
    /// The names of every property the element has, sorted.
    /// The corresponding C function is `g_object_class_list_properties`.
    public var propertyNames: [String] {
        var count: guint = 0
        guard let specs = g_object_class_list_properties(CGStreamerShims_object_get_class(handle), &count) else {
            return []
        }
        defer { g_free(specs) }
        return (0..<Int(count)).compactMap { specs[$0].flatMap { String(borrowingGString: g_param_spec_get_name($0)) } }
            .sorted()
    }

    /// Sets a property from text, parsed exactly as gst-launch would parse `name=value`:
    /// enums by nick (`pattern=ball`) or number, flags as `a+b`, caps, fractions (`30/1`),
    /// structures, booleans (`true`/`false`), numbers. String properties take the text verbatim.
    ///
    /// - Throws: `.noSuchProperty` with a did-you-mean, `.propertyNotWritable`, or
    ///   `.invalidPropertyValue` naming the expected type and, for enums and flags, the valid
    ///   names (also in `validValues`). The corresponding C functions are
    ///   `gst_value_deserialize_with_pspec` and `g_object_set_property`.
    public func setProperty(_ name: String, fromString text: String) throws {
        let spec = try paramSpec(name)
        guard CGStreamerShims_param_spec_is_settable(spec) != 0 else {
            throw GStreamerError(code: .propertyNotWritable,
                                 message: "property '\(name)' of \(displayName) cannot be changed after the element is created")
        }
        let type = CGStreamerShims_param_spec_value_type(spec)
        var value = GValue()
        g_value_init(&value, type)
        defer { g_value_unset(&value) }
        if CGStreamerShims_type_is_string(type) != 0 {
            g_value_set_string(&value, text)
        } else if CGStreamerShims_type_is_caps_or_structure(type) != 0, CapsText.hasStructureNameStartingWithDigit(text) {
            throw invalidValue(text, for: name, spec: spec)
        } else if gst_value_deserialize_with_pspec(&value, text, spec) == 0 {
            throw invalidValue(text, for: name, spec: spec)
        }
        // Deserializers check syntax, not the property's own limits (a gint "-5" parses fine
        // for a property whose minimum is 0); validation clamps, which we report instead.
        if g_param_value_validate(spec, &value) != 0 {
            throw invalidValue(text, for: name, spec: spec)
        }
        g_object_set_property(handle.cast(to: GObject.self), name, &value)
    }

    /// Sets an integer property (any integer type; also enums by number).
    public func setProperty<Integer: BinaryInteger>(_ name: String, _ value: Integer) throws {
        try setProperty(name, fromString: String(value))
    }

    /// Sets a boolean property.
    public func setProperty(_ name: String, _ value: Bool) throws {
        try setProperty(name, fromString: value ? "true" : "false")
    }

    /// Sets a floating-point property.
    public func setProperty(_ name: String, _ value: Double) throws {
        try setProperty(name, fromString: String(value))
    }

    /// The value of a property as text: strings verbatim, enums by nick, everything else in
    /// GStreamer's serialization (the form `setProperty(_:fromString:)` accepts).
    /// The corresponding C function is `g_object_get_property`.
    public func propertyString(_ name: String) throws -> String {
        let spec = try paramSpec(name)
        guard CGStreamerShims_param_spec_is_readable(spec) != 0 else {
            throw GStreamerError(code: .propertyNotReadable,
                                 message: "property '\(name)' of \(displayName) is write-only")
        }
        var value = GValue()
        g_value_init(&value, CGStreamerShims_param_spec_value_type(spec))
        defer { g_value_unset(&value) }
        g_object_get_property(handle.cast(to: GObject.self), name, &value)
        return String(consumingGString: CGStreamerShims_value_to_string(&value)) ?? ""
    }

    /// The GLib type name of a property's values (`gint`, `GstCaps`, `GstVideoTestSrcPattern`).
    public func propertyTypeName(_ name: String) throws -> String {
        String(borrowingGString: g_type_name(CGStreamerShims_param_spec_value_type(try paramSpec(name)))) ?? "?"
    }

    /// Whether the element has a property of that name.
    public func hasProperty(_ name: String) -> Bool {
        g_object_class_find_property(CGStreamerShims_object_get_class(handle), name) != nil
    }

    private func paramSpec(_ name: String) throws -> UnsafeMutablePointer<GParamSpec> {
        if let spec = g_object_class_find_property(CGStreamerShims_object_get_class(handle), name) {
            return spec
        }
        let names = propertyNames
        var message = "\(displayName) has no property '\(name)'"
        if let suggestion = Suggestions.nearest(to: name, in: names) {
            message += "; did you mean '\(suggestion)'?"
        } else {
            message += "; its properties are: \(names.joined(separator: ", "))"
        }
        throw GStreamerError(code: .noSuchProperty, message: message, validValues: names)
    }

    private func invalidValue(_ text: String, for name: String, spec: UnsafeMutablePointer<GParamSpec>) -> GStreamerError {
        let type = CGStreamerShims_param_spec_value_type(spec)
        let typeName = String(borrowingGString: g_type_name(type)) ?? "?"
        let nicks = consumeStringVector(CGStreamerShims_enum_or_flags_nicks(type))
        var message = "invalid value '\(text)' for property '\(name)' of \(displayName): expected "
        if CGStreamerShims_type_is_enum(type) != 0 {
            message += "one of \(nicks.joined(separator: ", ")) (\(typeName))"
            if let suggestion = Suggestions.nearest(to: text, in: nicks) {
                message += "; did you mean '\(suggestion)'?"
            }
        } else if CGStreamerShims_type_is_flags(type) != 0 {
            message += "flags (\(typeName)) joined with '+' from: \(nicks.joined(separator: ", "))"
        } else if let range = String(consumingGString: CGStreamerShims_param_spec_range(spec)) {
            message += "\(Self.friendlyTypeName(typeName)) in range \(range)"
        } else {
            message += Self.friendlyTypeName(typeName)
        }
        return GStreamerError(code: .invalidPropertyValue, message: message, validValues: nicks)
    }

    private static func friendlyTypeName(_ typeName: String) -> String {
        switch typeName {
        case "gint", "glong": "an integer (\(typeName))"
        case "guint", "gulong": "a non-negative integer (\(typeName))"
        case "gint64": "a 64-bit integer (gint64)"
        case "guint64": "a non-negative 64-bit integer (guint64)"
        case "gfloat", "gdouble": "a number (\(typeName))"
        case "gboolean": "true or false (gboolean)"
        case "GstCaps": "caps such as video/x-raw,format=BGR,width=640,height=480 (GstCaps)"
        case "GstFraction": "a fraction such as 30/1 (GstFraction)"
        case "GstStructure": "a structure such as properties,streamable=true (GstStructure)"
        default: "a value of type \(typeName)"
        }
    }
}
