/// Checks on caps and structure text that GStreamer's parsers get wrong.
enum CapsText {
    /// Whether GStreamer would reject `text` with a CRITICAL log instead of a quiet failure.
    ///
    /// gst_caps_from_string, gst_structure_from_string and their value deserializers hand a
    /// structure name starting with a digit ("1abc", "video/x-raw; 9x") to
    /// gst_structure_new_empty, whose assertion prints a CRITICAL (fatal under
    /// G_DEBUG=fatal-criticals). Such text is invalid anyway, so it is refused before parsing.
    static func hasStructureNameStartingWithDigit(_ text: String) -> Bool {
        var atStructureStart = true, inQuotes = false, escaped = false
        for character in text.unicodeScalars {
            if inQuotes {
                if escaped {
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    inQuotes = false
                }
                continue
            }
            if atStructureStart {
                if character.properties.isWhitespace { continue }
                if ("0"..."9").contains(character) { return true }
                atStructureStart = false
            }
            if character == "\"" {
                inQuotes = true
            } else if character == ";" {
                atStructureStart = true
            }
        }
        return false
    }

    /// GStreamer's rule for structure (and message) names: a letter, then letters, digits and
    /// any of `/-_.:+`.
    static func isValidStructureName(_ name: String) -> Bool {
        let scalars = Array(name.unicodeScalars)
        guard let first = scalars.first, first.isASCII, first.properties.isAlphabetic else { return false }
        return scalars.dropFirst().allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "/-_.:+".unicodeScalars.contains($0))
        }
    }
}
