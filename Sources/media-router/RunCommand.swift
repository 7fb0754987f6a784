import ArgumentParser
import BuiltInPlugins
import Foundation
import Logging
import MediaRouter
import UnixSignals

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a graph until its sources end, --duration passes, or SIGINT/SIGTERM.",
        discussion: """
        The first SIGINT or SIGTERM stops the sources, lets queues drain and recordings \
        finalize, and exits 0. A second one exits at once, with status 130 (SIGINT) or 143 \
        (SIGTERM).

        A node that fails stops the graph and the exit status is 1, unless its restart policy \
        restarts it; 'media-router plugins KIND' shows a kind's default policy.
        """
    )

    @Argument(help: "The graph file.", completion: .file(extensions: ["yaml", "yml"]))
    var file: String

    @Option(help: "Stop after this many seconds (for example 10 or 2m).")
    var duration: DurationArgument?

    @Option(help: "Live status line: auto (on a terminal), always, never.")
    var status: StatusMode = .auto

    @Option(help: "Seconds to let queues drain after the sources stop, before nodes are told to stop.")
    var drainTimeout: Double = 10

    @Option(help: "Keep this file up to date (every 250 ms) with every node's counters as JSON, for monitoring. A path that cannot be written is an error before the graph starts.")
    var statsFile: String?

    @OptionGroup var logging: LoggingOptions

    enum StatusMode: String, ExpressibleByArgument { case auto, always, never }

    func run() async throws {
        MemoryTuning.configureForVideo()
        logging.bootstrap()
        let logger = Logger(label: "media-router")
        let (loaded, diagnostics) = loadGraph(file, registry: .builtIn)
        for d in diagnostics where d.severity == .error || !logging.quiet { Console.shared.printErr(d.description) }
        guard let graph = loaded else { throw ExitCode(1) }
        // A monitoring file that silently never appears is worse than no start at all.
        let statsWriter = statsFile.map { StatsWriter(path: $0, logger: logger) }
        if let statsWriter {
            do {
                try statsWriter.check()
            } catch {
                Console.shared.printErr("error: \(error)")
                throw ExitCode(1)
            }
        }

        let runtime = GraphRuntime(graph: graph, registry: .builtIn, logger: logger)
        runtime.drainTimeout = drainTimeout
        do {
            try await onDedicatedThread { try runtime.start() }
        } catch {
            logger.error("\(error)")
            throw ExitCode(1)
        }
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        runtime.launch()
        logger.info("running '\(graph.name)': \(graph.nodes.count) nodes\(duration.map { " for \(formatDuration($0.seconds))" } ?? "")")

        let signalTask = Task {
            var count = 0
            for await signal in signals {
                count += 1
                if count == 1 {
                    logger.notice("\(signal): stopping (send it again to exit at once)")
                    runtime.stop()
                } else {
                    Console.shared.printErr("\(signal) again: exiting at once")
                    // 128 + the signal's number, as a shell reports a process it killed.
                    _exit(signal == .sigterm ? 143 : 130)
                }
            }
        }
        let timerTask = Task {
            if let duration {
                try? await Task.sleep(nanoseconds: UInt64(duration.seconds * 1e9))
                if !Task.isCancelled {
                    logger.info("--duration \(formatDuration(duration.seconds)) reached: stopping")
                    runtime.stop()
                }
            }
        }
        let showStatus = !logging.quiet && (status == .always || (status == .auto && Console.shared.stderrIsTerminal))
        let statusTask = Task {
            guard showStatus else { return }
            var previous = runtime.stats()
            var previousTime = runtime.elapsed
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: 1_000_000_000)
                if Task.isCancelled { break }
                let now = runtime.stats()
                let t = runtime.elapsed
                Console.shared.showStatus(StatusFormatter.line(previous: previous, current: now, seconds: t - previousTime, elapsed: t))
                previous = now
                previousTime = t
            }
        }
        let statsTask = Task {
            guard let statsWriter else { return }
            while !Task.isCancelled {
                statsWriter.write(runtime.stats(), elapsed: runtime.elapsed)
                try? await Task.sleep(nanoseconds: 250_000_000)
            }
        }
        await runtime.waitUntilFinished()
        statsTask.cancel()
        _ = await statsTask.result
        statsWriter?.write(runtime.stats(), elapsed: runtime.elapsed)
        statusTask.cancel()
        timerTask.cancel()
        signalTask.cancel()
        Console.shared.clearStatus()
        if !logging.quiet {
            Console.shared.printOut(StatusFormatter.summary(runtime.stats(), graph: graph, elapsed: runtime.elapsed))
        }
        let failures = runtime.failures
        if !failures.isEmpty {
            for f in failures { Console.shared.printErr("error: node '\(f.node)' failed: \(f.message)") }
            throw ExitCode(1)
        }
        if !runtime.stuckNodes.isEmpty {
            Console.shared.printErr("error: nodes did not stop: \(runtime.stuckNodes.joined(separator: ", "))")
            throw ExitCode(1)
        }
    }
}

struct DurationArgument: ExpressibleByArgument, Sendable {
    var seconds: Double
    init?(argument: String) {
        guard let s = parseDuration(argument), s > 0 else { return nil }
        seconds = s
    }
}

/// Runs blocking work on a new thread and suspends until it is done, so the cooperative pool
/// is never blocked.
func onDedicatedThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, Error>) in
        startThread(name: "blocking") {
            do { c.resume(returning: try body()) } catch { c.resume(throwing: error) }
        }
    }
}

enum StatusFormatter {
    /// Frames a node handled: what it emitted, or for sinks what it took in.
    static func throughput(_ s: NodeStats, role: NodeRole) -> Int { role == .sink ? s.framesIn : s.framesOut }

    static func line(previous: [NodeStats], current: [NodeStats], seconds: Double, elapsed: Double) -> String {
        let t = Int(elapsed)
        var parts: [String] = [String(format: "[%02d:%02d]", t / 60, t % 60)]
        for (p, c) in zip(previous, current) {
            let role = NodeRegistry.builtIn.plugin(kind: c.kind)?.role ?? .transform
            let fps = seconds > 0 ? Double(throughput(c, role: role) - throughput(p, role: role)) / seconds : 0
            var s = "\(c.name) \(String(format: "%.1f", fps))/s"
            let newDrops = c.dropped - p.dropped
            if c.dropped > 0 { s += " drop \(c.dropped)\(newDrops > 0 ? "(+\(newDrops))" : "")" }
            if c.lost > 0 { s += " lost \(c.lost)" }
            if c.errors > 0 { s += " err \(c.errors)" }
            parts.append(s)
        }
        return parts.joined(separator: " │ ")
    }

    static func summary(_ stats: [NodeStats], graph: Graph, elapsed: Double) -> String {
        var rows: [[String]] = [["NODE", "KIND", "IN", "OUT", "DROPPED", "LOST", "FPS", "MB", "LATENCY"]]
        for s in stats {
            let role = graph.node(named: s.name)?.role ?? .transform
            let n = throughput(s, role: role)
            let fps = elapsed > 0 ? Double(n) / elapsed : 0
            // A sink that counts what it sends or writes (netgear.send: the JPEG on the wire)
            // shows those bytes; one that does not, what it took in.
            let mb = Double(role == .sink && s.framesOut == 0 ? s.bytesIn : s.bytesOut) / 1e6
            rows.append([s.name, s.kind, role == .source ? "-" : String(s.framesIn), role == .sink && s.framesOut == 0 ? "-" : String(s.framesOut),
                         String(s.dropped), String(s.lost), String(format: "%.1f", fps), String(format: "%.1f", mb),
                         s.averageLatencyMilliseconds.map { String(format: "%.1fms", $0) } ?? "-"])
        }
        let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max() ?? 0 }
        var out = "Summary of '\(graph.name)' after \(String(format: "%.1f", elapsed)) s:\n"
        for r in rows {
            out += "  " + r.enumerated().map { i, v in i < 2 ? v.padding(toLength: widths[i], withPad: " ", startingAt: 0) : String(repeating: " ", count: widths[i] - v.count) + v }.joined(separator: "  ") + "\n"
        }
        var notes: [String] = []
        for s in stats {
            let extras = s.extras.filter { $0.value != 0 }.sorted { $0.key < $1.key }
            var parts = extras.map { "\($0.key)=\($0.value)" }
            parts += s.notes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            if !parts.isEmpty { notes.append("  \(s.name): " + parts.joined(separator: " ")) }
        }
        if !notes.isEmpty { out += "Details:\n" + notes.joined(separator: "\n") + "\n" }
        return out
    }
}

/// Writes node counters as JSON, atomically, so a reader never sees half a file, and never
/// leaves its temporary file behind. After the start, a failed write is logged (throttled) and
/// the graph runs on: the file is for monitoring.
final class StatsWriter: Sendable {
    let path: String
    let logger: Logger
    private let throttle = Locked(LogThrottle())

    struct Failure: Error, CustomStringConvertible {
        var path: String
        var reason: String
        var description: String { "cannot write the --stats-file \(path): \(reason)" }
    }

    init(path: String, logger: Logger) {
        self.path = path
        self.logger = logger
    }

    var folder: String {
        let dir = (path as NSString).deletingLastPathComponent
        return dir.isEmpty ? "." : dir
    }

    /// Writes a first, empty document, with a plain reason when it cannot.
    func check() throws {
        var isDir: ObjCBool = false
        if path.hasSuffix("/") || (FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue) {
            throw Failure(path: path, reason: "it is a folder; give a file name such as \((path as NSString).appendingPathComponent("stats.json"))")
        }
        // The file is replaced by a rename, which would put a plain file in place of a device
        // or a pipe: refuse those rather than replace them.
        if let type = (try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType, type != .typeRegular {
            throw Failure(path: path, reason: "it is not a regular file, and it would be replaced by one; give a file name")
        }
        if !FileManager.default.fileExists(atPath: folder, isDirectory: &isDir) {
            throw Failure(path: path, reason: "the folder \(folder) does not exist")
        }
        if !isDir.boolValue { throw Failure(path: path, reason: "\(folder) is not a folder") }
        try attempt(Self.document([], elapsed: 0))
    }

    func write(_ stats: [NodeStats], elapsed: Double) {
        do {
            try attempt(Self.document(stats, elapsed: elapsed))
        } catch {
            if let held = throttle.withLock({ $0.admit() }) {
                logger.warning("\(error)\(held > 0 ? " (\(held) more failed writes since the last message)" : "")")
            }
        }
    }

    /// Writes a temporary file beside the target and renames it over the target; the
    /// temporary file is removed whatever fails.
    private func attempt(_ bytes: [UInt8]) throws {
        let tmp = (folder as NSString).appendingPathComponent(".\((path as NSString).lastPathComponent).\(getpid()).tmp")
        func fail(_ what: String) -> Failure {
            let reason = String(cString: strerror(errno))
            unlink(tmp)
            return Failure(path: path, reason: "\(what): \(reason)")
        }
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw fail("cannot create a file in \(folder)") }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                let failure = fail("cannot write")
                close(fd)
                throw failure
            }
            offset += n
        }
        if close(fd) != 0 { throw fail("cannot write") }
        if rename(tmp, path) != 0 { throw fail("cannot replace the file") }
    }

    static func document(_ stats: [NodeStats], elapsed: Double) -> [UInt8] {
        var nodes: [(String, JSONValue)] = []
        for s in stats {
            var o: [(String, JSONValue)] = [
                ("kind", .string(s.kind)), ("frames_in", .int(Int64(s.framesIn))), ("frames_out", .int(Int64(s.framesOut))),
                ("bytes_in", .int(Int64(s.bytesIn))), ("bytes_out", .int(Int64(s.bytesOut))), ("dropped", .int(Int64(s.dropped))),
                ("lost", .int(Int64(s.lost))), ("errors", .int(Int64(s.errors))),
            ]
            if let l = s.averageLatencyMilliseconds { o.append(("latency_ms", .double(l))) }
            for (k, v) in s.extras.sorted(by: { $0.key < $1.key }) { o.append((k, .int(Int64(v)))) }
            for (k, v) in s.notes.sorted(by: { $0.key < $1.key }) { o.append((k, .string(v))) }
            nodes.append((s.name, .object(o)))
        }
        let doc: JSONValue = .object([("elapsed", .double(elapsed)), ("time", .int(Clock.wallNanoseconds())), ("nodes", .object(nodes))])
        return doc.pythonJSONBytes()
    }
}
