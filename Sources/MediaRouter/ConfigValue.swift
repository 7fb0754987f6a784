/// A value from a graph file before it is checked against an option's type: a YAML scalar,
/// sequence or mapping, each with the place it was written.
public indirect enum ConfigValue: Sendable {
    case scalar(String, quoted: Bool, SourceLocation)
    case sequence([ConfigValue], SourceLocation)
    case mapping([ConfigEntry], SourceLocation)

    public var location: SourceLocation {
        switch self {
        case .scalar(_, _, let l), .sequence(_, let l), .mapping(_, let l): return l
        }
    }

    /// The scalar text, or nil for a sequence or mapping.
    public var scalarText: String? {
        if case .scalar(let s, _, _) = self { return s }
        return nil
    }

    public var isNullScalar: Bool {
        if case .scalar(let s, let quoted, _) = self, !quoted {
            return s.isEmpty || s == "~" || s == "null" || s == "Null" || s == "NULL"
        }
        return false
    }

    public var entries: [ConfigEntry]? {
        if case .mapping(let e, _) = self { return e }
        return nil
    }

    public var items: [ConfigValue]? {
        if case .sequence(let i, _) = self { return i }
        return nil
    }

    public subscript(key: String) -> ConfigValue? { entries?.first { $0.key == key }?.value }

    /// What this value looks like, for error messages.
    public var shortDescription: String {
        switch self {
        case .scalar(let s, let quoted, _):
            let t = s.count > 40 ? String(s.prefix(40)) + "…" : s
            return quoted ? "\"\(t)\"" : "'\(t)'"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }

    /// The value as plain JSON (YAML's core schema for scalars).
    public var json: JSONValue {
        switch self {
        case .scalar(let s, let quoted, _):
            if quoted { return .string(s) }
            if isNullScalar { return .null }
            if let b = ConfigValue.parseBool(s) { return .bool(b) }
            if let i = Int64(s) { return .int(i) }
            if let d = Double(s), s.rangeOfCharacter(from: .letters) == nil || s.lowercased().contains("e") { return .double(d) }
            return .string(s)
        case .sequence(let items, _): return .array(items.map(\.json))
        case .mapping(let entries, _): return .object(entries.map { ($0.key, $0.value.json) })
        }
    }

    static func parseBool(_ s: String) -> Bool? {
        switch s {
        case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON": return true
        case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF": return false
        default: return nil
        }
    }
}

public struct ConfigEntry: Sendable {
    public var key: String
    public var keyLocation: SourceLocation
    public var value: ConfigValue
    /// False when the YAML key was a list or a mapping (`[a, b]: ...`); `key` then only
    /// describes it, for messages.
    public var keyIsScalar: Bool

    public init(key: String, keyLocation: SourceLocation, value: ConfigValue, keyIsScalar: Bool = true) {
        self.key = key
        self.keyLocation = keyLocation
        self.value = value
        self.keyIsScalar = keyIsScalar
    }
}

import Foundation
