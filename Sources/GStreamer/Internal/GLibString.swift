internal import CGStreamer

extension String {
    /// Takes ownership of a string GLib allocated for the caller (`transfer full`) and frees it.
    init?(consumingGString pointer: UnsafeMutablePointer<gchar>?) {
        guard let pointer else { return nil }
        defer { g_free(pointer) }
        self.init(cString: pointer)
    }

    /// Copies a string GLib still owns (`transfer none`).
    init?(borrowingGString pointer: UnsafePointer<gchar>?) {
        guard let pointer else { return nil }
        self.init(cString: pointer)
    }
}

/// Copies and frees a NULL-terminated string vector GLib allocated for the caller (`g_strfreev`).
func consumeStringVector(_ vector: UnsafeMutablePointer<UnsafeMutablePointer<gchar>?>?) -> [String] {
    guard let vector else { return [] }
    defer { g_strfreev(vector) }
    var strings: [String] = []
    var index = 0
    while let item = vector[index] {
        strings.append(String(cString: item))
        index += 1
    }
    return strings
}
