/// A place in a graph file. Lines and columns count from 1; 0 means "the whole file".
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible, Comparable {
    public var file: String
    public var line: Int
    public var column: Int
    /// Set when the text here is used somewhere else through a YAML alias (`width: *w`) or a
    /// merge key (`<<: *base`): the place is the anchor's, and `via` says where it was used.
    public var via: Via?

    /// Where anchored text was used.
    public struct Via: Sendable, Hashable {
        public enum Kind: Sendable, Hashable {
            /// A merge key, `<<: *base`; the place is the `<<`.
            case merge
            /// An alias as a value, `width: *w`; the place is the key that holds it.
            case alias
        }
        public var kind: Kind
        public var line: Int
        public var column: Int

        public init(_ kind: Kind, line: Int, column: Int) {
            self.kind = kind
            self.line = line
            self.column = column
        }
    }

    public init(file: String, line: Int, column: Int, via: Via? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.via = via
    }

    public var description: String { "\(file):\(line):\(column)" }

    /// Says that the place is inside an anchor and where that anchor was used; empty otherwise.
    public var viaNote: String {
        switch via?.kind {
        case .merge?: return " (in the anchor merged by '<<' at \(via!.line):\(via!.column))"
        case .alias?: return " (in the anchor used by an alias on line \(via!.line))"
        case nil: return ""
        }
    }

    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        (a.file, a.line, a.column) < (b.file, b.line, b.column)
    }
}

/// One problem found in a graph file, printed as `file:line:column: message`.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }

    public var location: SourceLocation
    public var message: String
    public var severity: Severity

    public init(_ severity: Severity = .error, at location: SourceLocation, _ message: String) {
        self.location = location
        self.message = message
        self.severity = severity
    }

    public var description: String {
        severity == .error ? "\(location): \(message)\(location.viaNote)" : "\(location): warning: \(message)\(location.viaNote)"
    }
}

/// Collects every problem so that a user sees all of them at once.
public struct Diagnostics: Sendable {
    public private(set) var items: [Diagnostic] = []

    public init() {}

    public mutating func error(_ message: String, at location: SourceLocation) {
        items.append(Diagnostic(.error, at: location, message))
    }

    public mutating func warning(_ message: String, at location: SourceLocation) {
        items.append(Diagnostic(.warning, at: location, message))
    }

    public mutating func append(contentsOf other: Diagnostics) { items.append(contentsOf: other.items) }

    public mutating func append(_ diagnostic: Diagnostic) { items.append(diagnostic) }

    public var errors: [Diagnostic] { items.filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { items.filter { $0.severity == .warning } }
    public var hasErrors: Bool { items.contains { $0.severity == .error } }

    /// Sorted by position, errors and warnings mixed, duplicates removed.
    public var sorted: [Diagnostic] {
        var seen = Set<Diagnostic>()
        return items.filter { seen.insert($0).inserted }.sorted { $0.location < $1.location }
    }
}

/// Thrown when a graph file has errors; carries all of them.
public struct GraphError: Error, CustomStringConvertible, Sendable {
    public var diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// The error every part of the router throws for a failure at run time, shaped like
/// swift-service-lifecycle's errors: a stable `code` plus a human message, and the error that
/// caused it, kept whole so that callers can tell kinds apart (a ZeroMQ or GStreamer error code)
/// instead of parsing text.
public struct RouterError: Error, CustomStringConvertible, Sendable, Equatable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }
        public static let invalidGraph = Code(name: "invalidGraph")
        public static let nodeFailed = Code(name: "nodeFailed")
        public static let startFailed = Code(name: "startFailed")
        public static let io = Code(name: "io")
        public static let badInput = Code(name: "badInput")
        public static let unsupported = Code(name: "unsupported")
        public static let timeout = Code(name: "timeout")
        public static let security = Code(name: "security")
    }

    public var code: Code
    /// What failed, in words; `description` adds the cause's own text after it. Empty when the
    /// cause says everything.
    public var message: String
    /// The underlying error (a `ZMQError`, a `GStreamerError`, another `RouterError`), if any.
    public var cause: (any Error)?
    /// The node, started again, would fail the same way (a path that cannot hold files): the
    /// runtime then restarts it at most `RestartPolicy.permanentFailureRestarts` times even
    /// when its policy sets no limit, so that such a node fails the run instead of retrying forever.
    public var isPermanent: Bool

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil, permanent: Bool = false) {
        self.code = code
        self.message = message
        self.cause = cause
        self.isPermanent = permanent
    }

    /// An error that its cause describes completely: its description is the cause's.
    public init(_ code: Code, cause: any Error, permanent: Bool = false) {
        self.init(code, "", cause: cause, permanent: permanent)
    }

    /// The message, then ": " and the cause's text when there is a cause.
    public var description: String {
        guard let cause else { return message }
        return message.isEmpty ? "\(cause)" : "\(message): \(cause)"
    }

    /// Equal when code, message, permanence and the cause's text are (an `any Error` has no
    /// equality of its own).
    public static func == (a: RouterError, b: RouterError) -> Bool {
        a.code == b.code && a.message == b.message && a.isPermanent == b.isPermanent
            && a.cause.map { "\($0)" } == b.cause.map { "\($0)" }
    }
}

/// Edit distance between two names, ignoring case, for "did you mean" suggestions.
public func levenshtein(_ a: String, _ b: String) -> Int {
    editDistance(a.lowercased(), b.lowercased())
}

/// The closest candidate to `word`, if it is close enough to be a plausible typo.
public func nearest(_ word: String, in candidates: [String]) -> String? {
    var best: (String, Int)?
    for c in candidates {
        let d = levenshtein(word, c)
        if best == nil || d < best!.1 { best = (c, d) }
    }
    guard let (name, distance) = best else { return nil }
    let limit = max(2, min(word.count, name.count) / 3)
    if distance <= limit { return name }
    if name.lowercased().hasPrefix(word.lowercased()) || word.lowercased().hasPrefix(name.lowercased()) { return name }
    return nil
}

public func didYouMean(_ word: String, in candidates: [String]) -> String {
    if let n = nearest(word, in: candidates) { return " (did you mean '\(n)'?)" }
    return ""
}
