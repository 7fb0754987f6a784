internal import CGStreamer
internal import CGStreamerShims

enum StructureFields {
    /// Every field of a GstStructure as text: strings verbatim, the rest serialized.
    static func read(_ structure: UnsafePointer<GstStructure>) -> [String: String] {
        var fields: [String: String] = [:]
        let count = gst_structure_n_fields(structure)
        guard count > 0 else { return fields }
        for index in 0..<guint(count) {
            guard let name = gst_structure_nth_field_name(structure, index),
                  let value = gst_structure_get_value(structure, name) else { continue }
            fields[String(cString: name)] = String(consumingGString: CGStreamerShims_value_to_string(value)) ?? ""
        }
        return fields
    }
}
