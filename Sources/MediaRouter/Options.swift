import Foundation

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

/// A checked option value.
public indirect enum OptionValue: Sendable, CustomStringConvertible, Equatable {
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    /// Seconds.
    case duration(Double)
    case bytes(Int64)
    case framerate(num: Int, den: Int)
    case list([OptionValue])
    case map([String: String], order: [String])
    case json(JSONValue)

    public var description: String {
        switch self {
        case .bool(let b): return String(b)
        case .int(let i): return String(i)
        case .double(let d): return OptionType.fmt(d)
        case .string(let s): return s
        case .duration(let s): return formatDuration(s)
        case .bytes(let b): return formatBytes(b)
        case .framerate(let n, let d): return d == 1 ? String(n) : "\(n)/\(d)"
        case .list(let l): return "[" + l.map(\.description).joined(separator: ", ") + "]"
        case .map(let m, let order): return "{" + order.map { "\($0): \(m[$0] ?? "")" }.joined(separator: ", ") + "}"
        case .json(let j): return j.pythonJSONString()
        }
    }

    public var json: JSONValue {
        switch self {
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(Int64(i))
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        case .duration(let s): return .double(s)
        case .bytes(let b): return .int(b)
        case .framerate(let n, let d): return d == 1 ? .int(Int64(n)) : .string("\(n)/\(d)")
        case .list(let l): return .array(l.map(\.json))
        case .map(let m, let order): return .object(order.map { ($0, .string(m[$0] ?? "")) })
        case .json(let j): return j
        }
    }
}

public func formatDuration(_ seconds: Double) -> String {
    if seconds == 0 { return "0s" }
    if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
    if seconds.truncatingRemainder(dividingBy: 86400) == 0 { return "\(Int(seconds / 86400))d" }
    if seconds.truncatingRemainder(dividingBy: 3600) == 0 { return "\(Int(seconds / 3600))h" }
    if seconds.truncatingRemainder(dividingBy: 60) == 0 { return "\(Int(seconds / 60))m" }
    return OptionType.fmt(seconds) + "s"
}

public func formatBytes(_ b: Int64) -> String {
    let units: [(Int64, String)] = [(1 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")]
    for (size, name) in units where b >= size {
        let v = Double(b) / Double(size)
        return v >= 100 ? String(format: "%.0f%@", v, name) : String(format: "%.1f%@", v, name)
    }
    return "\(b)B"
}

/// One option a node kind accepts: its name, type, default and meaning. `media-router plugins KIND`
/// prints these, so the documentation cannot drift from the code.
public struct OptionSpec: Sendable {
    public var name: String
    public var type: OptionType
    public var defaultValue: OptionValue?
    public var required: Bool
    public var doc: String

    public init(_ name: String, _ type: OptionType, default defaultValue: OptionValue? = nil,
                required: Bool = false, doc: String) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.required = required
        self.doc = doc
    }
}

/// The checked options of one node, with the place each was written.
public struct NodeOptions: Sendable {
    public var nodeName: String
    public var kind: String
    /// Where the node's own key was written.
    public var location: SourceLocation
    public private(set) var values: [String: OptionValue] = [:]
    /// Options the user wrote (not defaults), with where their values are.
    public private(set) var written: [String: SourceLocation] = [:]
    public var specs: [OptionSpec]
    /// The folder of the graph file, for resolving relative paths.
    public var baseDirectory: String

    public init(nodeName: String, kind: String, location: SourceLocation, specs: [OptionSpec], baseDirectory: String) {
        self.nodeName = nodeName
        self.kind = kind
        self.location = location
        self.specs = specs
        self.baseDirectory = baseDirectory
        for s in specs { if let d = s.defaultValue { values[s.name] = d } }
    }

    public mutating func set(_ name: String, _ value: OptionValue, at location: SourceLocation?) {
        values[name] = value
        if let location { written[name] = location }
    }

    public func isSet(_ name: String) -> Bool { written[name] != nil }

    /// Where an option was written, or the node itself when it was not.
    public func location(of name: String) -> SourceLocation { written[name] ?? location }

    public subscript(name: String) -> OptionValue? { values[name] }

    public func bool(_ name: String) -> Bool {
        if case .bool(let b)? = values[name] { return b }
        return false
    }

    public func int(_ name: String) -> Int? {
        switch values[name] {
        case .int(let i)?: return i
        case .double(let d)?: return Int(d)
        default: return nil
        }
    }

    public func double(_ name: String) -> Double? {
        switch values[name] {
        case .int(let i)?: return Double(i)
        case .double(let d)?: return d
        case .duration(let d)?: return d
        default: return nil
        }
    }

    public func string(_ name: String) -> String? {
        switch values[name] {
        case .string(let s)?: return s
        case nil: return nil
        case let v?: return v.description
        }
    }

    public func duration(_ name: String) -> Double? {
        switch values[name] {
        case .duration(let d)?: return d
        case .int(let i)?: return Double(i)
        case .double(let d)?: return d
        default: return nil
        }
    }

    public func bytes(_ name: String) -> Int64? {
        switch values[name] {
        case .bytes(let b)?: return b
        case .int(let i)?: return Int64(i)
        default: return nil
        }
    }

    public func framerate(_ name: String) -> (num: Int, den: Int)? {
        switch values[name] {
        case .framerate(let n, let d)?: return (n, d)
        case .int(let i)?: return (i, 1)
        default: return nil
        }
    }

    public func stringMap(_ name: String) -> [(String, String)] {
        if case .map(let m, let order)? = values[name] { return order.map { ($0, m[$0] ?? "") } }
        return []
    }

    public func list(_ name: String) -> [OptionValue] {
        switch values[name] {
        case .list(let l)?: return l
        case nil: return []
        case let v?: return [v]
        }
    }

    public func json(_ name: String) -> JSONValue? { values[name]?.json }

    /// Resolves a path option against the graph file's folder.
    public func path(_ name: String) -> String? {
        guard let p = string(name), !p.isEmpty else { return nil }
        return resolvePath(p)
    }

    public func resolvePath(_ p: String) -> String {
        var p = p
        if p.hasPrefix("~/") { p = NSHomeDirectory() + String(p.dropFirst(1)) }
        if p.hasPrefix("/") || baseDirectory.isEmpty { return Self.lexicallyNormalized(p) }
        return Self.lexicallyNormalized((baseDirectory as NSString).appendingPathComponent(p))
    }

    /// Removes `.` and empty components and folds `name/..`, relative paths included
    /// (`configs/../demo/x.mkv` becomes `demo/x.mkv`), so logs and summaries show the path a
    /// user would type. Purely textual: strftime fields and the like pass through untouched.
    public static func lexicallyNormalized(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var out: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", let last = out.last, last != ".." {
                out.removeLast()
                continue
            }
            if part == "..", absolute, out.isEmpty { continue }
            out.append(part)
        }
        let joined = out.joined(separator: "/")
        if absolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }
}

// MARK: - Checking values against types

enum OptionChecker {
    /// Checks `value` against `type`; returns the value or a message saying what was expected.
    static func check(_ value: ConfigValue, as type: OptionType) -> Result<OptionValue, CheckFailure> {
        switch type {
        case .bool:
            if let s = value.scalarText, let b = ConfigValue.parseBool(s) { return .success(.bool(b)) }
            return .failure(.init("expected true or false, got \(value.shortDescription)"))
        case .int(let range):
            guard let s = value.scalarText, let i = Int(s.replacingOccurrences(of: "_", with: "")) else {
                if let s = value.scalarText, let d = Double(s), d.rounded() != d {
                    return .failure(.init("expected a whole number, got \(value.shortDescription)"))
                }
                return .failure(.init("expected an integer, got \(value.shortDescription)"))
            }
            if let r = range, !r.contains(i) {
                return .failure(.init("\(i) is out of range (\(r.lowerBound)...\(r.upperBound))", outOfRange: true))
            }
            return .success(.int(i))
        case .double(let range):
            guard let s = value.scalarText, let d = Double(s), d.isFinite else {
                return .failure(.init("expected a number, got \(value.shortDescription)"))
            }
            if let r = range, !r.contains(d) {
                return .failure(.init("\(OptionType.fmt(d)) is out of range (\(OptionType.fmt(r.lowerBound))...\(OptionType.fmt(r.upperBound)))", outOfRange: true))
            }
            return .success(.double(d))
        case .string:
            guard let s = value.scalarText, !value.isNullScalar || s.isEmpty == false else {
                return .failure(.init("expected a string, got \(value.shortDescription)"))
            }
            return .success(.string(s))
        case .path:
            guard let s = value.scalarText else {
                return .failure(.init("expected a path, got \(value.shortDescription)"))
            }
            if s.trimmingCharacters(in: .whitespaces).isEmpty {
                return .failure(.init("expected a path, got an empty string"))
            }
            return .success(.string(s))
        case .choice(let choices, let aliases):
            guard let s = value.scalarText else {
                return .failure(.init("expected one of \(choices.joined(separator: ", ")), got \(value.shortDescription)"))
            }
            let key = s.lowercased()
            if let c = choices.first(where: { $0.lowercased() == key }) { return .success(.string(c)) }
            if let a = aliases.first(where: { $0.key.lowercased() == key }) { return .success(.string(a.value)) }
            let all = choices + aliases.keys.sorted()
            return .failure(.init("'\(s)' is not one of \(choices.joined(separator: ", "))\(didYouMean(s, in: all))"))
        case .duration:
            guard let s = value.scalarText, let d = parseDuration(s) else {
                return .failure(.init("expected a duration such as 500ms, 10s, 5m or 1h, got \(value.shortDescription)"))
            }
            if d < 0 { return .failure(.init("a duration cannot be negative", outOfRange: true)) }
            return .success(.duration(d))
        case .byteSize:
            guard let s = value.scalarText, let b = parseByteSize(s) else {
                return .failure(.init("expected a size such as 500MB or 2GiB, got \(value.shortDescription)"))
            }
            return .success(.bytes(b))
        case .framerate:
            guard let s = value.scalarText, let (n, d) = parseFramerate(s) else {
                return .failure(.init("expected a frame rate such as 30, 29.97 or 30000/1001, got \(value.shortDescription)"))
            }
            if n <= 0 || d <= 0 || Double(n) / Double(d) > 1000 {
                return .failure(.init("frame rate \(s) is out of range (more than 0, at most 1000)", outOfRange: true))
            }
            return .success(.framerate(num: n, den: d))
        case .list(let element):
            let items: [ConfigValue]
            if case .sequence(let i, _) = value { items = i } else { items = [value] }
            var out: [OptionValue] = []
            for item in items {
                switch check(item, as: element) {
                case .success(let v): out.append(v)
                case .failure(var f):
                    f.location = f.location ?? item.location
                    return .failure(f)
                }
            }
            return .success(.list(out))
        case .stringMap:
            guard case .mapping(let entries, _) = value else {
                return .failure(.init("expected a mapping of names to values, got \(value.shortDescription)"))
            }
            var m: [String: String] = [:]
            var order: [String] = []
            for e in entries {
                guard let s = e.value.scalarText else {
                    return .failure(.init("value of '\(e.key)' must be a scalar, got \(e.value.shortDescription)", location: e.value.location))
                }
                if m[e.key] == nil { order.append(e.key) }
                m[e.key] = s
            }
            return .success(.map(m, order: order))
        case .json:
            return .success(.json(value.json))
        case .named(_, let t):
            return check(value, as: t)
        case .oneOf(let types):
            var rangeFailure: CheckFailure?
            for t in types {
                switch check(value, as: t) {
                case .success(let v): return .success(v)
                case .failure(let f):
                    if f.outOfRange && rangeFailure == nil { rangeFailure = f }
                }
            }
            if let rangeFailure, types.count == 1 { return .failure(rangeFailure) }
            return .failure(.init("expected \(type), got \(value.shortDescription)", outOfRange: rangeFailure != nil))
        }
    }

    struct CheckFailure: Error {
        var message: String
        var outOfRange = false
        var location: SourceLocation?
        init(_ message: String, outOfRange: Bool = false, location: SourceLocation? = nil) {
            self.message = message
            self.outOfRange = outOfRange
            self.location = location
        }
    }
}

public func parseDuration(_ text: String) -> Double? {
    let s = text.trimmingCharacters(in: .whitespaces).lowercased()
    if let d = Double(s) { return d }
    let units: [(String, Double)] = [("ms", 0.001), ("us", 0.000001), ("ns", 1e-9), ("s", 1), ("sec", 1), ("min", 60), ("m", 60), ("h", 3600), ("d", 86400)]
    for (u, f) in units.sorted(by: { $0.0.count > $1.0.count }) where s.hasSuffix(u) {
        let num = s.dropLast(u.count).trimmingCharacters(in: .whitespaces)
        if let d = Double(num) { return d * f }
    }
    return nil
}

public func parseByteSize(_ text: String) -> Int64? {
    let s = text.trimmingCharacters(in: .whitespaces)
    if let i = Int64(s), i >= 0 { return i }
    let units: [(String, Double)] = [
        ("KIB", 1024), ("MIB", 1_048_576), ("GIB", 1_073_741_824), ("TIB", 1_099_511_627_776),
        ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12),
        ("K", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12), ("B", 1),
    ]
    let upper = s.uppercased()
    for (u, f) in units where upper.hasSuffix(u) {
        let num = upper.dropLast(u.count).trimmingCharacters(in: .whitespaces)
        if let d = Double(num), d >= 0, d.isFinite { return Int64(d * f) }
    }
    return nil
}

public func parseFramerate(_ text: String) -> (Int, Int)? {
    let s = text.trimmingCharacters(in: .whitespaces)
    if let i = Int(s) { return (i, 1) }
    let parts = s.split(separator: "/")
    if parts.count == 2, let n = Int(parts[0]), let d = Int(parts[1]) { return (n, d) }
    if let d = Double(s), d.isFinite, d > 0 {
        // 29.97 -> 30000/1001 and the like; otherwise milli-frames.
        for base in [24.0, 30.0, 48.0, 60.0, 120.0] where abs(d - base * 1000 / 1001) < 0.01 {
            return (Int(base) * 1000, 1001)
        }
        return (Int((d * 1000).rounded()), 1000)
    }
    return nil
}
