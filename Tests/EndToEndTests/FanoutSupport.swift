import Foundation
import MediaRouter
import Synchronization
import Testing
import TestSupport

/// A temporary folder laid out like the repository (`configs/` beside `keys/`, `recordings/`,
/// ...), so that the relative paths in a copied config (`../keys`, `../recordings`) land in it.
struct FanoutTree {
    let root: String
    let bin = TestPaths.binary

    init(_ name: String) throws {
        root = TestPaths.temporaryDirectory("fanout-\(name)")
        try FileManager.default.createDirectory(atPath: root + "/configs", withIntermediateDirectories: true)
    }

    func path(_ relative: String) -> String { root + "/" + relative }

    /// Copies `configs/NAME` from the repository into this tree, applying each replacement. Every
    /// replacement must match, so that a config that changed shape fails here, by name, rather
    /// than running against the wrong port or key folder.
    @discardableResult
    func installConfig(_ name: String, as newName: String? = nil,
                       replacing replacements: [(String, String)]) throws -> String {
        var text = try String(contentsOfFile: TestPaths.root + "/configs/" + name, encoding: .utf8)
        for (old, new) in replacements {
            try #require(text.contains(old), "configs/\(name) no longer contains '\(old)'; update FanoutTests")
            text = text.replacingOccurrences(of: old, with: new)
        }
        let target = path("configs/" + (newName ?? name))
        try text.write(toFile: target, atomically: true, encoding: .utf8)
        return target
    }

    /// Writes a test-only graph into `configs/`.
    @discardableResult
    func writeConfig(_ name: String, _ text: String) throws -> String {
        let target = path("configs/" + name)
        try text.write(toFile: target, atomically: true, encoding: .utf8)
        return target
    }

    /// Runs `media-router keys ARGS` as a user would and requires it to succeed.
    @discardableResult
    func keys(_ arguments: [String]) async throws -> ProcessResult {
        let r = try await run(bin, ["keys"] + arguments, timeout: 30)
        try #require(r.status == 0, "media-router keys \(arguments.joined(separator: " ")) failed (\(r.status)): \(r.stderr)")
        return r
    }

    /// `mkdir LOCATION && media-router keys generate --location LOCATION`.
    func generateKeys(_ location: String) async throws {
        try FileManager.default.createDirectory(atPath: path(location), withIntermediateDirectories: true)
        try await keys(["generate", "--location", path(location)])
    }

    /// `media-router keys add-client NAME --location LOCATION --bundle LOCATION/clients/NAME`;
    /// returns the fingerprint it printed.
    @discardableResult
    func addClient(_ name: String, location: String = "keys") async throws -> String {
        let r = try await keys(["add-client", name, "--location", path(location), "--bundle", path("\(location)/clients/\(name)")])
        return try #require(Self.firstMatch(#"Allowed client \S+: ([0-9a-f:]+)"#, in: r.stdout), "no fingerprint in: \(r.stdout)")
    }

    /// The fingerprint `media-router keys list` shows for NAME.
    func listedFingerprint(_ name: String, location: String = "keys") async throws -> String? {
        let r = try await keys(["list", "--location", path(location)])
        return Self.firstMatch(#"(?m)^\s+\#(NSRegularExpression.escapedPattern(for: name))\s+([0-9a-f:]+)\s"#, in: r.stdout)
    }

    /// A receiver graph: netgear.receive connecting with the client bundle NAME, into a frame.discard.
    func receiverConfig(_ name: String, port: Int, bundle: String? = nil, sink: String = "{kind: frame.discard, input: stream}") throws -> String {
        try writeConfig("\(name).yaml", """
            name: \(name)
            nodes:
              stream:
                kind: netgear.receive
                pattern: pubsub
                secure_mode: ironhouse
                custom_cert_location: ../\(bundle ?? "keys/clients/\(name)")
                connect: tcp://127.0.0.1:\(port)
              out: \(sink)
            """)
    }

    static func firstMatch(_ pattern: String, in text: String) -> String? {
        guard let re = try? NSRegularExpression(pattern: pattern) else { return nil }
        let ns = text as NSString
        guard let m = re.firstMatch(in: text, range: NSRange(location: 0, length: ns.length)), m.numberOfRanges > 1,
              m.range(at: 1).location != NSNotFound else { return nil }
        return ns.substring(with: m.range(at: 1))
    }
}

/// One snapshot of a `--stats-file`.
struct FanoutStats: Sendable {
    let json: JSONValue
    /// When the process wrote it (wall clock, nanoseconds).
    var time: Int64 { json["time"]?.intValue ?? 0 }

    func int(_ node: String, _ key: String) -> Int {
        Int(json["nodes"]?[node]?[key]?.intValue ?? 0)
    }

    func double(_ node: String, _ key: String) -> Double? {
        json["nodes"]?[node]?[key]?.doubleValue
    }
}

/// `media-router run GRAPH --stats-file ...` as a separate process, its stderr kept for log checks.
final class FanoutRun: Sendable {
    let name: String
    let statsPath: String
    let child: ChildProcess
    private let stopSent = Atomic<Bool>(false)

    init(_ tree: FanoutTree, config: String, name: String? = nil, arguments: [String] = []) {
        let label = name ?? ((config as NSString).lastPathComponent as NSString).deletingPathExtension
        self.name = label
        statsPath = tree.path("\(label).stats.json")
        child = ChildProcess(tree.bin, ["run", config, "--stats-file", statsPath, "--log-level", "info", "--status", "never"] + arguments,
                             directory: tree.root)
    }

    func start() throws { try child.start() }

    var isRunning: Bool { child.process.isRunning }
    var stderr: String { child.stderr }

    /// The latest stats the process wrote, if any yet.
    var stats: FanoutStats? {
        readStatsFile(statsPath).map(FanoutStats.init(json:))
    }

    func int(_ node: String, _ key: String) -> Int { stats?.int(node, key) ?? 0 }

    /// Polls the stats file, without blocking a cooperative thread, until `condition` holds;
    /// returns the snapshot that satisfied it (nil if the process ended or the ceiling passed).
    @discardableResult
    func waitForStats(timeout: Double = eventCeiling, _ condition: (FanoutStats) -> Bool) async -> FanoutStats? {
        var found: FanoutStats?
        _ = await eventually(timeout: timeout, every: 0.05) {
            if let s = stats, condition(s) { found = s; return true }
            return !isRunning
        }
        if found == nil, let s = stats, condition(s) { found = s }
        return found
    }

    /// Sends SIGINT once (a graceful stop; a second SIGINT would make it exit at once).
    func requestStop() {
        if !stopSent.exchange(true, ordering: .relaxed) && isRunning { child.signal(SIGINT) }
    }

    /// Asks for a graceful stop (see `requestStop()`) and waits for the exit.
    @discardableResult
    func stop(timeout: Double = 60) async -> ProcessResult {
        requestStop()
        return await child.finished(timeout: timeout)
    }

    /// Ends the process at once if it still runs: clean-up after a failed expectation.
    func kill() { child.kill() }

    /// A short description for failure messages: the last lines of its log.
    var logTail: String {
        let lines = stderr.split(separator: "\n", omittingEmptySubsequences: true)
        return "\(name) log: " + lines.suffix(8).joined(separator: "\n  ")
    }
}

/// Small helpers of the fan-out tests.
enum Fanout {
    /// Decodes a whole media file (every frame through a decoder), as a player would.
    static func decodesCompletely(_ path: String) async throws -> ProcessResult {
        try await run("/usr/bin/gst-launch-1.0", ["-q", "filesrc", "location=\(path)", "!", "decodebin", "!", "fakesink", "sync=false"], timeout: 60)
    }
}
