import Foundation
import MediaRouter
import Testing
import TestSupport

/// What a first-time user meets at the command line: the stats file, signals, help texts, the
/// plugins table, restart policies, YAML errors. A separate process, real files, real sockets.
@Suite("CLI: loader and run")
struct LoaderCLITests {
    let bin = TestPaths.binary

    func write(_ text: String, in dir: String = TestPaths.temporaryDirectory("cli-loader"), name: String = "g.yaml") throws -> String {
        let path = dir + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func files(in dir: String) -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted() }


    static let endless = "nodes:\n  cam: {kind: frame.generate, width: 32, height: 24}\n  out: {kind: frame.discard, input: cam}\n"

    // MARK: --stats-file

    @Test func aStatsFileThatCannotBeWrittenIsAnErrorBeforeTheGraphStarts() async throws {
        let dir = TestPaths.temporaryDirectory("stats-bad")
        let graph = try write(Self.endless, in: dir)
        try FileManager.default.createDirectory(atPath: dir + "/afolder", withIntermediateDirectories: true)
        // The file is replaced by a rename: a device or a pipe would be replaced by a plain file.
        #expect(mkfifo(dir + "/pipe", 0o600) == 0)
        let cases: [(path: String, reason: String)] = [
            ("/proc/mr-stats-\(getpid()).json", ""),
            (dir + "/missing/stats.json", "the folder \(dir)/missing does not exist"),
            (dir + "/afolder", "it is a folder"),
            (dir + "/pipe", "it is not a regular file"),
        ]
        for c in cases {
            let r = try await onDedicatedThread { try runProcess(bin, ["run", graph, "--stats-file", c.path], timeout: 30) }
            #expect(r.status == 1, "\(c.path): \(r.stderr)")
            #expect(r.stderr.contains("cannot write the --stats-file \(c.path)"), "\(c.path): \(r.stderr)")
            if !c.reason.isEmpty { #expect(r.stderr.contains(c.reason), "\(c.path): \(r.stderr)") }
            #expect(!r.stderr.contains("running 'g'"), "the graph must not start: \(r.stderr)")
        }
        #expect(files(in: dir) == ["afolder", "g.yaml", "pipe"])
        #expect(files(in: dir + "/afolder").isEmpty)
        let type = (try? FileManager.default.attributesOfItem(atPath: dir + "/pipe"))?[.type] as? FileAttributeType
        #expect(type != nil && type != .typeRegular, "the pipe was replaced: \(String(describing: type))")
    }

    @Test func aGoodStatsFileLeavesNoTemporaryFileBehind() async throws {
        let dir = TestPaths.temporaryDirectory("stats-good")
        let graph = try write("nodes:\n  cam: {kind: frame.generate, width: 32, height: 24, framerate: 60, count: 40}\n  out: {kind: frame.discard, input: cam}\n", in: dir)
        let stats = dir + "/stats.json"
        let r = try await onDedicatedThread { try runProcess(bin, ["run", graph, "--stats-file", stats, "--quiet"], timeout: 30) }
        #expect(r.status == 0, "\(r.stderr)")
        #expect(files(in: dir) == ["g.yaml", "stats.json"])
        #expect(readStatsFile(stats)?["nodes"]?["out"]?["frames_in"]?.intValue == 40)
    }

    @Test func aStatsFileThatStopsBeingWritableIsLoggedThrottledAndLeavesNoTemporaryFile() async throws {
        let dir = TestPaths.temporaryDirectory("stats-later")
        let graph = try write(Self.endless, in: dir)
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
        let stats = dir + "/sub/stats.json"
        let p = ChildProcess(bin, ["run", graph, "--stats-file", stats, "--status", "never"])
        try p.start()
        #expect(await eventually { readStatsFile(stats) != nil })
        try FileManager.default.removeItem(atPath: dir + "/sub")
        #expect(await eventually { p.stderr.contains("cannot write the --stats-file") }, "\(p.stderr)")
        p.signal(SIGINT)
        let r = try await onDedicatedThread { p.wait(timeout: 30) }
        #expect(r.status == 0, "a stats file is for monitoring; the graph runs on: \(r.stderr)")
        let warnings = r.stderr.components(separatedBy: "\n").filter { $0.contains("cannot write the --stats-file") }
        #expect(warnings.count <= 2, "written every 250 ms, the failure must be logged throttled: \(warnings)")
        #expect(files(in: dir) == ["g.yaml"])
    }

    // MARK: Signals

    @Test func aSecondSigtermExits143AndASecondSigintExits130() async throws {
        for (sig, status) in [(SIGTERM, Int32(143)), (SIGINT, Int32(130))] {
            let dir = TestPaths.temporaryDirectory("sig2")
            // A sink that never drains: the first signal starts a graceful stop, the second exits now.
            let graph = try write("nodes:\n  cam: {kind: frame.generate, width: 32, height: 24}\n  out: {kind: frame.discard, input: {node: cam, queue: {size: 1000, policy: block}}, delay: 1s}\n", in: dir)
            let stats = dir + "/stats.json"
            let p = ChildProcess(bin, ["run", graph, "--drain-timeout", "60", "--stats-file", stats, "--status", "never"])
            try p.start()
            // Frames are queued, so the graceful stop has something to drain.
            #expect(await eventually { (readStatsFile(stats)?["nodes"]?["cam"]?["frames_out"]?.intValue ?? 0) >= 5 })
            p.signal(sig)
            #expect(await eventually { p.stderr.contains("stopping (send it again to exit at once)") }, "\(p.stderr)")
            p.signal(sig)
            let r = try await onDedicatedThread { p.wait(timeout: 30) }
            #expect(r.status == status, "second \(sig == SIGTERM ? "SIGTERM" : "SIGINT"): \(r.status) \(r.stderr)")
            #expect(!r.timedOut)
        }
    }

    // MARK: Help

    /// Lines of one paragraph that the wrapper would have joined: the next word fits on the line.
    static func earlyBreaks(_ text: String, width: Int = 80) -> [String] {
        let lines = text.components(separatedBy: "\n")
        var out: [String] = []
        for (a, b) in zip(lines, lines.dropFirst()) {
            guard !a.isEmpty, !b.isEmpty, !a.hasPrefix(" "), !b.hasPrefix(" "), !a.hasSuffix(":"), !b.hasPrefix("USAGE") else { continue }
            let next = b.split(separator: " ").first.map(String.init) ?? ""
            // argument-parser breaks before a word that would end exactly at the last column.
            if a.count + 1 + next.count < width { out.append(a + "⏎" + b) }
        }
        return out
    }

    @Test func helpReadsWellAt80Columns() async throws {
        let commands: [[String]] = [[], ["run"], ["validate"], ["plugins"], ["graph"], ["keys"], ["keys", "generate"],
                                    ["keys", "list"], ["keys", "add-client"], ["keys", "revoke"]]
        for c in commands {
            let r = try await onDedicatedThread { try runProcess(bin, c + ["--help"], environment: ["COLUMNS": "80"]) }
            #expect(r.status == 0)
            let text = r.stdout + r.stderr
            #expect(Self.earlyBreaks(text).isEmpty, "\(c): lines broken mid-sentence: \(Self.earlyBreaks(text))")
            for line in text.components(separatedBy: "\n") where !line.hasPrefix("USAGE") && !line.hasPrefix("  media-router") {
                #expect(line.count <= 80, "\(c): \(line)")
            }
        }
        let run = try await onDedicatedThread { try runProcess(bin, ["run", "--help"], environment: ["COLUMNS": "80"]) }
        #expect(run.stdout.contains("143"), "run --help should give the exit status of a second SIGTERM")
    }

    // MARK: plugins

    @Test func pluginsTablesNameTypesDistinctlyKeepColumnsAlignedAndShowTheDefaultRestart() async throws {
        let list = try await onDedicatedThread { try runProcess(bin, ["plugins"]) }
        let kinds = list.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("  ") }
            .compactMap { $0.split(separator: " ").first.map(String.init) }.filter { $0.contains(".") }
        #expect(kinds.count >= 10, "\(kinds)")
        for kind in kinds {
            let r = try await onDedicatedThread { try runProcess(bin, ["plugins", kind]) }
            #expect(r.status == 0)
            let lines = r.stdout.components(separatedBy: "\n")
            #expect(lines.contains { $0.hasPrefix("Restart policy by default: ") }, "\(kind): \(r.stdout)")
            let header = try #require(lines.first { $0.hasPrefix("  NAME") }, "\(kind)")
            let headerChars = Array(header)
            func column(_ word: String) -> Int { header.range(of: word).map { header.distance(from: header.startIndex, to: $0.lowerBound) } ?? -1 }
            let cols = [column("TYPE"), column("DEFAULT"), column("MEANING")]
            #expect(!cols.contains(-1) && headerChars.count > 0)
            let start = lines.firstIndex(of: header)! + 1
            for row in lines[start...] {
                if row.isEmpty { break }
                let chars = Array(row)
                for c in cols where c < chars.count {
                    // Each cell starts exactly at its column, or the cell is empty (a wrapped row).
                    #expect(chars[c - 1] == " ", "\(kind): misaligned at column \(c): '\(row)'")
                }
                #expect(!row.contains("string or string"), "\(kind): \(row)")
            }
        }
        let receive = try await onDedicatedThread { try runProcess(bin, ["plugins", "netgear.receive"]) }.stdout
        #expect(!receive.contains("or string or string"))
        let send = try await onDedicatedThread { try runProcess(bin, ["plugins", "netgear.send"]) }.stdout
        #expect(send.contains("Restart policy by default: on-failure"), "\(send)")
        let rate = try await onDedicatedThread { try runProcess(bin, ["plugins", "frame.rate"]) }.stdout
        #expect(rate.contains("Restart policy by default: never"), "\(rate)")
        let markdown = try await onDedicatedThread { try runProcess(bin, ["plugins", "--markdown"]) }.stdout
        #expect(markdown.components(separatedBy: "Restart policy by default:").count - 1 == kinds.count, "\(markdown)")
    }

    // MARK: restart on a failure to start

    @Test func restartOnFailureRetriesANodeWhosePortIsInUseAndItStartsOnceThePortIsFree() async throws {
        let port = freePort()
        let listener = try TCPListener(port: port)
        let dir = TestPaths.temporaryDirectory("start-retry")
        let graph = try write("""
            nodes:
              rx:
                kind: netgear.receive
                bind: tcp://127.0.0.1:\(port)
                restart: {policy: on-failure, backoff: 100ms, max_backoff: 200ms, max_restarts: 100}
              out: {kind: frame.discard, input: rx}
            """, in: dir)
        let p = ChildProcess(bin, ["run", graph, "--status", "never"])
        try p.start()
        #expect(await eventually { p.stderr.contains("node 'rx' failed to start") && p.stderr.contains("restarting in") }, "\(p.stderr)")
        #expect(!p.stderr.contains("error"), "a start failure with a restart policy is retried, not fatal: \(p.stderr)")
        listener.close()
        #expect(await eventually { p.stderr.contains("bound tcp://127.0.0.1:\(port)") }, "\(p.stderr)")
        p.signal(SIGINT)
        let r = try await onDedicatedThread { p.wait(timeout: 30) }
        #expect(r.status == 0, "\(r.stderr)")
    }

    @Test func restartOnFailureGivesUpOnANodeThatNeverStartsAfterItsBudget() async throws {
        let port = freePort()
        let listener = try TCPListener(port: port)
        defer { listener.close() }
        let graph = try write("""
            nodes:
              rx:
                kind: netgear.receive
                bind: tcp://127.0.0.1:\(port)
                restart: {policy: on-failure, backoff: 50ms, max_restarts: 2}
              out: {kind: frame.discard, input: rx}
            """)
        let r = try await onDedicatedThread { try runProcess(bin, ["run", graph, "--status", "never"], timeout: 30) }
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("error: node 'rx' failed:") && r.stderr.contains("gave up after 2 restarts"), "\(r.stderr)")
        #expect(r.stderr.components(separatedBy: "restarting in").count - 1 == 2, "\(r.stderr)")
    }

    // MARK: YAML errors at the command line

    @Test func deepNestingIsSaidPlainly() async throws {
        let graph = try write("nodes: " + String(repeating: "[", count: 1100) + String(repeating: "]", count: 1100) + "\n")
        let r = try await onDedicatedThread { try runProcess(bin, ["validate", graph]) }
        #expect(r.status == 1)
        #expect(r.stderr.contains("\(graph):1:"), "\(r.stderr)")
        #expect(r.stderr.contains("nesting is deeper than 1000 levels"), "\(r.stderr)")
        #expect(!r.stderr.contains("yaml_set_max_nest_level"), "\(r.stderr)")
    }
}

/// A TCP socket listening on 127.0.0.1, to hold a port the way another program would.
final class TCPListener: @unchecked Sendable {
    // Safe: the descriptor is closed once, from the test that owns the listener.
    private var fd: Int32

    struct Failure: Error { var what: String }

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(what: "socket") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 4) == 0 else {
            Glibc.close(fd)
            throw Failure(what: "bind/listen \(port): errno \(errno)")
        }
    }

    func close() {
        if fd >= 0 { Glibc.close(fd); fd = -1 }
    }

    deinit { close() }
}
