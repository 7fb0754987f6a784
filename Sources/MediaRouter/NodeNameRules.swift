import Yams

/// What a node may be called. A name becomes part of file names (`{node}` in a recording
/// path), log lines and the keys of stats files, so it is held to what is safe in a file name
/// everywhere: ASCII letters, digits, `_`, `-` and `.`, starting with a letter, a digit or `_`
/// (never `.`, which would make `..` or a hidden file, nor `-`, which reads as an option on a
/// command line).
extension GraphLoader {
    public static let maxNodeNameLength = 64

    static let nodeNameRule = "node names may contain only letters a-z and A-Z, digits, '_', '-' and '.', and start with a letter, a digit or '_' (they become parts of file names)"

    static func isNodeNameCharacter(_ c: Character) -> Bool {
        guard c.isASCII, let ascii = c.asciiValue else { return false }
        return (ascii >= 0x30 && ascii <= 0x39) || (ascii >= 0x41 && ascii <= 0x5A) || (ascii >= 0x61 && ascii <= 0x7A)
            || c == "_" || c == "-" || c == "."
    }

    /// Reports a node name that is not a string or not safe in a file name, at the name.
    static func checkNodeName(_ entry: ConfigEntry, diagnostics d: inout Diagnostics) {
        guard entry.keyIsScalar else {
            d.error("node names must be strings, found \(entry.key)", at: entry.keyLocation)
            return
        }
        let name = entry.key
        guard let first = name.first else {
            d.error("a node name is empty; \(nodeNameRule)", at: entry.keyLocation)
            return
        }
        if let bad = name.first(where: { !isNodeNameCharacter($0) }) {
            d.error("node name '\(printable(name))' contains \(describe(bad)); \(nodeNameRule)", at: entry.keyLocation)
        } else if first == "." || first == "-" {
            d.error("node name '\(name)' starts with '\(first)'; \(nodeNameRule)", at: entry.keyLocation)
        } else if name.count > maxNodeNameLength {
            d.error("node name '\(name.prefix(20))…' is longer than \(maxNodeNameLength) characters", at: entry.keyLocation)
        }
    }

    /// How a list or mapping used as a key reads in a message (not Swift's dump of a YAML node).
    static func describeNonScalarKey(_ node: Yams.Node) -> String {
        switch node {
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        default: return "an alias"
        }
    }

    private static func describe(_ c: Character) -> String {
        if c == "'" { return "a quote (')" }
        if c.unicodeScalars.allSatisfy({ $0.properties.generalCategory == .control }) {
            return c.unicodeScalars.map { "U+" + String($0.value, radix: 16, uppercase: true) }.joined(separator: " ")
        }
        return "'\(c)'"
    }

    /// The name with control characters shown as `?`, so a message stays on one line.
    private static func printable(_ name: String) -> String {
        let shown = String(name.map { $0.unicodeScalars.contains { $0.properties.generalCategory == .control } ? "?" : $0 })
        return shown.count > 40 ? String(shown.prefix(40)) + "…" : shown
    }
}
