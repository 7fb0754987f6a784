import Foundation

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
