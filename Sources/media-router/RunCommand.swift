import ArgumentParser
import BuiltInPlugins
import ControlPlane
import Foundation
import Logging
import MediaRouter
import ServiceLifecycle
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

        The graph file is watched: a saved edit (or SIGHUP) is validated and applied while the \
        graph runs, by node name: unchanged nodes keep running untouched, changed ones are \
        replaced without ending their consumers' streams, removed ones drain, added ones start. \
        A file that does not validate changes nothing; its errors are logged. 'media-router \
        plan OLD NEW' shows what an edit will do.
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

    @Flag(help: "Do not watch the graph file for changes (SIGHUP still reloads it).")
    var noWatch = false

    @Option(help: ArgumentHelp("Serve the control plane (HTTP API, Prometheus metrics, dashboard) on this address, e.g. 127.0.0.1:8787; 'off' turns off the graph file's control: section.", valueName: "address"))
    var control: String?

    @OptionGroup var logging: LoggingOptions

    enum StatusMode: String, ExpressibleByArgument { case auto, always, never }

    /// The graph file's `control:` section, with `--control` overriding its address.
    func controlSettings(_ graph: Graph) throws -> ControlSettings? {
        guard let control else { return graph.control }
        if control == "off" { return nil }
        switch ControlSettings.parseAddress(control) {
        case .success(let a):
            var s = graph.control ?? ControlSettings.defaults(graphFile: graph.file)
            s.host = a.host
            s.port = a.port
            return s
        case .failure(let problem):
            throw ValidationError("--control: \(problem)")
        }
    }

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

        let service = GraphService(graph: graph, registry: .builtIn, logger: logger, drainTimeout: drainTimeout)
        let runtime = service.runtime
        var services: [any Service] = [service]
        if let settings = try controlSettings(graph) {
            do {
                services.append(try ControlPlane(graph: service, settings: settings, logger: logger))
            } catch {
                Console.shared.printErr("error: control plane: \(error)")
                throw ExitCode(1)
            }
        }
        if !noWatch {
            services.append(ConfigWatcher(path: graph.file, logger: logger) {
                _ = await service.reload(trigger: .file)
            })
        }
        let group = ServiceGroup(configuration: .init(services: services.map {
            .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup)
        }, logger: logger))
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        let hangups = await UnixSignalsSequence(trapping: .sighup)

        let signalTask = Task {
            var count = 0
            for await signal in signals {
                count += 1
                if count == 1 {
                    logger.notice("\(signal): stopping (send it again to exit at once)")
                    await group.triggerGracefulShutdown()
                } else {
                    Console.shared.printErr("\(signal) again: exiting at once")
                    // 128 + the signal's number, as a shell reports a process it killed.
                    _exit(signal == .sigterm ? 143 : 130)
                }
            }
        }
        let hangupTask = Task {
            for await _ in hangups {
                logger.notice("SIGHUP: reloading \(graph.file)")
                _ = await service.reload(trigger: .signal)
            }
        }
        let announceTask = Task {
            guard await service.waitUntilRunning() else { return }
            logger.info("running '\(graph.name)': \(graph.nodes.count) nodes\(duration.map { " for \(formatDuration($0.seconds))" } ?? "")\(noWatch ? "" : "; watching \(graph.file) for changes")")
        }
        let timerTask = Task {
            if let duration, await service.waitUntilRunning() {
                try? await Task.sleep(nanoseconds: UInt64(duration.seconds * 1e9))
                if !Task.isCancelled {
                    logger.info("--duration \(formatDuration(duration.seconds)) reached: stopping")
                    await group.triggerGracefulShutdown()
                }
            }
        }
        let showStatus = !logging.quiet && (status == .always || (status == .auto && Console.shared.stderrIsTerminal))
        let statusTask = Task {
            guard showStatus, await service.waitUntilRunning() else { return }
            var previous = service.snapshot()
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: 1_000_000_000)
                if Task.isCancelled { break }
                let now = service.snapshot()
                Console.shared.showStatus(StatusFormatter.line(previous: previous, current: now))
                previous = now
            }
        }
        let statsTask = Task {
            guard let statsWriter, await service.waitUntilRunning() else { return }
            while !Task.isCancelled {
                statsWriter.write(service.snapshot())
                try? await Task.sleep(nanoseconds: 250_000_000)
            }
        }
        var startError: Error?
        do {
            try await group.run()
        } catch {
            startError = error
        }
        statsTask.cancel()
        _ = await statsTask.result
        let final = service.snapshot()
        if runtime.isFinished || startError == nil { statsWriter?.write(final) }
        statusTask.cancel()
        timerTask.cancel()
        signalTask.cancel()
        hangupTask.cancel()
        announceTask.cancel()
        Console.shared.clearStatus()
        if let startError, !(runtime.elapsed > 0) {
            logger.error("\(startError)")
            throw ExitCode(1)
        }
        if !logging.quiet {
            Console.shared.printOut(StatusFormatter.summary(final))
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

enum StatusFormatter {
    /// Frames a node handled: what it emitted, or for sinks what it took in.
    static func throughput(_ n: NodeSnapshot) -> Int {
        n.role == NodeRole.sink.rawValue ? n.counters["frames_in", default: 0] : n.counters["frames_out", default: 0]
    }

    /// Drops by the node itself plus drops on its input edges.
    static func dropped(_ n: NodeSnapshot, in snap: GraphSnapshot) -> Int {
        n.counters["dropped", default: 0] + snap.edges.filter { $0.to == n.name }.reduce(0) { $0 + $1.drops.values.reduce(0, +) }
    }

    static func line(previous: GraphSnapshot, current: GraphSnapshot) -> String {
        let t = Int(current.uptimeSeconds)
        let seconds = current.uptimeSeconds - previous.uptimeSeconds
        var parts: [String] = [String(format: "[%02d:%02d]", t / 60, t % 60)]
        for c in current.nodes {
            let p = previous.node(c.name)
            let fps = seconds > 0 && p != nil ? Double(throughput(c) - throughput(p!)) / seconds : 0
            var s = "\(c.name) \(String(format: "%.1f", fps))/s"
            if c.state != .running { s += " \(c.state)" }
            let drops = dropped(c, in: current)
            let newDrops = drops - (p.map { dropped($0, in: previous) } ?? 0)
            if drops > 0 { s += " drop \(drops)\(newDrops > 0 ? "(+\(newDrops))" : "")" }
            if let lost = c.counters["lost"], lost > 0 { s += " lost \(lost)" }
            if let errors = c.counters["errors"], errors > 0 { s += " err \(errors)" }
            parts.append(s)
        }
        if current.reloads.applied + current.reloads.failed > 0 {
            parts.append("reloads \(current.reloads.applied)\(current.reloads.failed > 0 ? " (\(current.reloads.failed) failed)" : "")")
        }
        return parts.joined(separator: " │ ")
    }

    static func summary(_ snap: GraphSnapshot) -> String {
        var rows: [[String]] = [["NODE", "KIND", "IN", "OUT", "DROPPED", "LOST", "FPS", "MB", "LATENCY"]]
        let elapsed = snap.uptimeSeconds
        for s in snap.nodes {
            let role = NodeRole(rawValue: s.role) ?? .transform
            let n = throughput(s)
            let fps = elapsed > 0 ? Double(n) / elapsed : 0
            let framesIn = s.counters["frames_in", default: 0], framesOut = s.counters["frames_out", default: 0]
            // A sink that counts what it sends or writes (netgear.send: the JPEG on the wire)
            // shows those bytes; one that does not, what it took in.
            let mb = Double(role == .sink && framesOut == 0 ? s.counters["bytes_in", default: 0] : s.counters["bytes_out", default: 0]) / 1e6
            rows.append([s.name, s.kind, role == .source ? "-" : String(framesIn), role == .sink && framesOut == 0 ? "-" : String(framesOut),
                         String(dropped(s, in: snap)), String(s.counters["lost", default: 0]), String(format: "%.1f", fps), String(format: "%.1f", mb),
                         s.latency?.mean.map { String(format: "%.1fms", $0 * 1e3) } ?? "-"])
        }
        let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max() ?? 0 }
        var out = "Summary of '\(snap.graph)' after \(String(format: "%.1f", elapsed)) s:\n"
        for r in rows {
            out += "  " + r.enumerated().map { i, v in i < 2 ? v.padding(toLength: widths[i], withPad: " ", startingAt: 0) : String(repeating: " ", count: widths[i] - v.count) + v }.joined(separator: "  ") + "\n"
        }
        var notes: [String] = []
        let base: Set<String> = ["frames_in", "frames_out", "bytes_in", "bytes_out", "dropped", "lost", "errors"]
        for s in snap.nodes {
            var extras = s.counters.filter { !base.contains($0.key) && $0.value != 0 }
            extras.merge(s.drops.filter { $0.value != 0 }) { a, _ in a }
            var parts = extras.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            parts += s.gauges.filter { $0.value != 0 }.sorted { $0.key < $1.key }.map { "\($0.key)=\(Int($0.value))" }
            if s.replacements > 0 { parts.append("replaced=\(s.replacements)") }
            if s.state == .failed, let d = s.detail, s.notes["failed"] == nil { parts.append("state=failed (\(d))") }
            parts += s.notes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            if !parts.isEmpty { notes.append("  \(s.name): " + parts.joined(separator: " ")) }
        }
        if !notes.isEmpty { out += "Details:\n" + notes.joined(separator: "\n") + "\n" }
        let r = snap.reloads
        if r.applied + r.failed + r.unchanged > 0 {
            out += "Reloads: \(r.applied) applied, \(r.failed) refused, \(r.unchanged) without change"
            if let e = r.lastError { out += "; last error: \(e)" }
            out += "\n"
        }
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
        try attempt(Self.document(nil))
    }

    func write(_ snapshot: GraphSnapshot) {
        do {
            try attempt(Self.document(snapshot))
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

    /// The stats file: per node its counters (as before), its state and replacements, and the
    /// graph's reloads.
    static func document(_ snap: GraphSnapshot?) -> [UInt8] {
        var nodes: [(String, JSONValue)] = []
        let base = ["frames_in", "frames_out", "bytes_in", "bytes_out"]
        for s in snap?.nodes ?? [] {
            var o: [(String, JSONValue)] = [("kind", .string(s.kind)), ("state", .string(s.state.rawValue))]
            for k in base { o.append((k, .int(Int64(s.counters[k, default: 0])))) }
            o.append(("dropped", .int(Int64(StatusFormatter.dropped(s, in: snap!)))))
            o.append(("lost", .int(Int64(s.counters["lost", default: 0]))))
            o.append(("errors", .int(Int64(s.counters["errors", default: 0]))))
            o.append(("replacements", .int(Int64(s.replacements))))
            if let d = s.detail { o.append(("state_detail", .string(d))) }
            if let l = s.latency?.mean { o.append(("latency_ms", .double(l * 1e3))) }
            var extras = s.counters.filter { !base.contains($0.key) && !["dropped", "lost", "errors"].contains($0.key) }
            extras.merge(s.drops) { a, _ in a }
            for (k, v) in s.gauges { extras[k] = Int(v) }
            for (k, v) in extras.sorted(by: { $0.key < $1.key }) { o.append((k, .int(Int64(v)))) }
            for (k, v) in s.notes.sorted(by: { $0.key < $1.key }) { o.append((k, .string(v))) }
            nodes.append((s.name, .object(o)))
        }
        var doc: [(String, JSONValue)] = [("elapsed", .double(snap?.uptimeSeconds ?? 0)), ("time", .int(Clock.wallNanoseconds())), ("nodes", .object(nodes))]
        if let r = snap?.reloads {
            doc.append(("reloads", .object([("applied", .int(Int64(r.applied))), ("failed", .int(Int64(r.failed))),
                                            ("unchanged", .int(Int64(r.unchanged))),
                                            ("last_error", r.lastError.map { .string($0) } ?? .null)])))
        }
        return JSONValue.object(doc).pythonJSONBytes()
    }
}
