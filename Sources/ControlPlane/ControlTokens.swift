import Foundation
import MediaRouter

/// The control plane's tokens file: one `ROLE TOKEN` a line, `#` comments. Made on first start
/// (mode 0600) with one admin and one read token; a user may add more lines, which are read
/// again whenever the file changes. Tokens are compared in constant time and never logged.
public final class ControlTokens: Sendable {
    public struct Entry: Sendable {
        public var role: ControlRole
        /// The token's bytes; never printed.
        fileprivate var secret: [UInt8]
        public var line: Int
    }

    /// Tokens shorter than this are refused: a guessable token is no authentication.
    public static let minimumLength = 16

    public let path: String
    private struct State {
        var entries: [Entry]
        var stamp: FileStamp?
    }
    private let state: Locked<State>

    /// True when this start created the file.
    public let created: Bool

    /// Reads the tokens file, creating it first when it does not exist.
    public init(path: String) throws(RouterError) {
        self.path = path
        var created = false
        if !FileManager.default.fileExists(atPath: path) {
            try ControlTokens.create(path: path)
            created = true
        }
        self.created = created
        let (entries, stamp) = try ControlTokens.read(path: path)
        state = Locked(State(entries: entries, stamp: stamp))
    }

    /// A new random token: 32 bytes from the system's secure generator, as 64 hex digits.
    public static func generate() -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &g)) }.joined()
    }

    static func create(path: String) throws(RouterError) {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty && !FileManager.default.fileExists(atPath: dir) {
            throw RouterError(.io, "cannot create the control tokens file \(path): folder \(dir) does not exist", permanent: true)
        }
        let text = """
        # media-router control plane tokens: one "ROLE TOKEN" a line; roles are admin and read.
        # read sees status, metrics and previews; admin may also reload the graph and revoke keys.
        # Send a token as "Authorization: Bearer TOKEN", as ?token=TOKEN, or in the cookie the
        # dashboard sets. Add lines for more tokens (at least \(minimumLength) characters each);
        # delete a line to revoke one. Keep this file private (mode 0600).
        admin \(generate())
        read \(generate())

        """
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 {
            throw RouterError(.io, "cannot create the control tokens file \(path): \(String(cString: strerror(errno)))", permanent: true)
        }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if written != bytes.count || fsync(fd) != 0 {
            let e = String(cString: strerror(errno))
            unlink(path)
            throw RouterError(.io, "cannot write the control tokens file \(path): \(e)", permanent: true)
        }
    }

    struct FileStamp: Equatable, Sendable {
        var seconds: Int
        var nanoseconds: Int
        var size: Int
        var inode: UInt64
    }

    static func stamp(_ path: String) -> FileStamp? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return FileStamp(seconds: Int(st.st_mtim.tv_sec), nanoseconds: Int(st.st_mtim.tv_nsec), size: Int(st.st_size), inode: UInt64(st.st_ino))
    }

    /// Parses the file, with every problem located as `file:line:column`.
    static func read(path: String) throws(RouterError) -> ([Entry], FileStamp?) {
        let stamp = stamp(path)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RouterError(.io, "cannot read the control tokens file \(path)", permanent: true)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw RouterError(.badInput, "\(path):1:1: the control tokens file is not UTF-8 text", permanent: true)
        }
        return (try parse(text, file: path), stamp)
    }

    public static func parse(_ text: String, file: String) throws(RouterError) -> [Entry] {
        var entries: [Entry] = []
        var problems: [String] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = i + 1
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let column = (line.firstIndex { !$0.isWhitespace }.map { line.distance(from: line.startIndex, to: $0) } ?? 0) + 1
            let fields = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count == 2 else {
                problems.append("\(file):\(lineNumber):\(column): expected 'ROLE TOKEN' (two words), found \(fields.count) word\(fields.count == 1 ? "" : "s")")
                continue
            }
            guard let role = ControlRole(rawValue: String(fields[0])) else {
                problems.append("\(file):\(lineNumber):\(column): unknown role '\(fields[0].prefix(20))'\(didYouMean(String(fields[0]), in: ControlRole.allCases.map(\.rawValue))); expected 'admin' or 'read'")
                continue
            }
            let token = fields[1]
            if token.count < minimumLength {
                let tokenColumn = column + fields[0].count + 1
                problems.append("\(file):\(lineNumber):\(tokenColumn): the \(role.rawValue) token is too short (\(token.count) characters; at least \(minimumLength))")
                continue
            }
            entries.append(Entry(role: role, secret: Array(token.utf8), line: lineNumber))
        }
        if !problems.isEmpty { throw RouterError(.badInput, problems.joined(separator: "\n"), permanent: true) }
        if entries.isEmpty {
            throw RouterError(.badInput, "\(file):1:1: the control tokens file has no token; add a line 'admin TOKEN' or delete the file to have one made", permanent: true)
        }
        return entries
    }

    /// The entries now in the file (read again when it changed; a file that stops parsing keeps
    /// the last good tokens and the problem is returned for a log line).
    @discardableResult
    public func refresh() -> RouterError? {
        let now = ControlTokens.stamp(path)
        if now == state.withLock({ $0.stamp }) { return nil }
        do {
            let (entries, stamp) = try ControlTokens.read(path: path)
            state.withLock { $0 = State(entries: entries, stamp: stamp) }
            return nil
        } catch {
            // Do not retry the same broken version on every request.
            state.withLock { $0.stamp = now }
            return error
        }
    }

    public var entries: [Entry] { state.withLock { $0.entries } }

    /// The role of `token`, or nil. Every entry is compared, each in constant time, so the time
    /// taken does not tell how much of a token matched or which line it is on.
    public func role(of token: some StringProtocol) -> ControlRole? {
        let given = Array(token.utf8)
        var found: ControlRole?
        for e in entries where ControlTokens.constantTimeEqual(e.secret, given) {
            if found == nil || found! < e.role { found = e.role }
        }
        return found
    }

    /// Compares two byte strings in time that depends only on their lengths.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var diff: UInt8 = a.count == b.count ? 0 : 1
        let n = max(a.count, b.count)
        for i in 0..<n {
            let x = i < a.count ? a[i] : 0
            let y = i < b.count ? b[i] : 0
            diff |= x ^ y
        }
        return diff == 0
    }

    /// The first token of `role`, for the dashboard address logged at first start.
    public func firstToken(_ role: ControlRole) -> String? {
        entries.first { $0.role == role }.map { String(decoding: $0.secret, as: UTF8.self) }
    }

    /// True when users other than the owner may read the file.
    public var isReadableByOthers: Bool {
        var st = stat()
        guard stat(path, &st) == 0 else { return false }
        return st.st_mode & 0o077 != 0
    }
}
