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
