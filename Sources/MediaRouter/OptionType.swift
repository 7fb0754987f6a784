/// The type of a node option, which decides how its YAML value is checked and read.
public indirect enum OptionType: Sendable, CustomStringConvertible {
    case bool
    case int(ClosedRange<Int>? = nil)
    case double(ClosedRange<Double>? = nil)
    case string
    /// A file or folder name, resolved against the graph file's folder when read with
    /// `NodeOptions.path`; an empty or blank one is refused, since it names nothing.
    case path
    /// One of fixed words; `aliases` maps other accepted spellings to them.
    case choice([String], aliases: [String: String] = [:])
    /// Seconds, written `1.5`, `500ms`, `10s`, `5m`, `2h` or `1d`.
    case duration
    /// Bytes, written `1000`, `500KB`, `10MB`, `2GiB`, ...
    case byteSize
    /// Frames per second, written `30`, `29.97` or `30000/1001`.
    case framerate
    /// A list of values of one type; a single value is accepted as a list of one.
    case list(OptionType)
    /// A mapping from names to scalars (element properties, for example).
    case stringMap
    /// Any YAML value, kept as JSON.
    case json
    /// The first of several types that accepts the value.
    case oneOf([OptionType])
    /// Another type under a name that says what its values mean (`endpoint`, `ipc name`), for
    /// `media-router plugins`; checked as that type.
    case named(String, OptionType)

    public var description: String {
        switch self {
        case .bool: return "bool"
        case .int(let r?): return "int \(r.lowerBound)...\(r.upperBound)"
        case .int: return "int"
        case .double(let r?): return "number \(OptionType.fmt(r.lowerBound))...\(OptionType.fmt(r.upperBound))"
        case .double: return "number"
        case .string: return "string"
        case .path: return "path"
        case .choice(let c, _): return c.joined(separator: "|")
        case .duration: return "duration"
        case .byteSize: return "size"
        case .framerate: return "framerate"
        case .list(let t):
            let alternatives = t.alternatives
            return alternatives.count > 1 ? "list of (\(alternatives.joined(separator: " or ")))" : "list of \(t)"
        case .stringMap: return "map"
        case .json: return "any"
        case .oneOf: return alternatives.joined(separator: " or ")
        case .named(let name, _): return name
        }
    }

    /// What a value may be, each said once: nested alternatives are flattened, so a table never
    /// reads "string or string".
    var alternatives: [String] {
        guard case .oneOf(let ts) = self else { return [description] }
        var out: [String] = []
        for t in ts {
            for a in t.alternatives where !out.contains(a) { out.append(a) }
        }
        return out
    }

    static func fmt(_ d: Double) -> String {
        d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d)
    }
}
