import Foundation
import Logging
import MediaRouter
import Synchronization
import Testing
import TestSupport
import TurboJPEG

// Helpers for the tests against the real vidgear (Tests/interop/vidgear_peer.py) and for the
// security tests: a source of frames that name their index, log capture, and async waits so
// that many cases can run at once without holding Swift's few cooperative threads.

/// Why the vidgear tests are skipped, when they are.
let vidgearMissing = "the vidgear test venv is missing: run scripts/setup-python (or set MEDIA_ROUTER_PYTHON)"

/// Whether the vidgear venv exists, for `.enabled(if:)`.
let hasVidgear = TestPaths.python != nil

/// vidgear_peer.py's `frame_for(i)`: a gradient whose top-left 8x8 block holds `i % 256`.
func indexedFrame(_ i: Int, width: Int, height: Int, gray: Bool = false) -> [UInt8] {
    let c = gray ? 1 : 3
    var f = [UInt8](repeating: 0, count: width * height * c)
    for y in 0..<height {
        for x in 0..<width {
            let o = (y * width + x) * c
            let inBlock = x < 8 && y < 8
            let b = UInt8(truncatingIfNeeded: x * 255 / max(1, width - 1))
            if gray {
                f[o] = inBlock ? UInt8(i % 256) : b
            } else if inBlock {
                f[o] = UInt8(i % 256); f[o + 1] = UInt8(i % 256); f[o + 2] = UInt8(i % 256)
            } else {
                f[o] = b
                f[o + 1] = 128
                f[o + 2] = UInt8(truncatingIfNeeded: y * 255 / max(1, height - 1))
            }
        }
    }
    return f
}

/// How far JPEG moves the index block's value: 4:2:2 chroma blocks are 16 pixels wide and mix
/// the block with the gradient beside it.
let jpegIndexTolerance = 3

/// Whether frame indices read back from pixels are the expected ones (near them for JPEG).
func indicesMatch(_ got: [Int], _ expected: [Int], jpeg: Bool) -> Bool {
    got.count == expected.count && zip(got, expected).allSatisfy { abs($0 - $1) <= (jpeg ? jpegIndexTolerance : 0) }
}

/// Whether indices read back from pixels grow (allowing JPEG's error, and the wrap from 255 to 0
/// of a stream longer than 256 frames).
func isIncreasing(_ values: [Int], jpeg: Bool) -> Bool {
    zip(values, values.dropFirst()).allSatisfy { $0 - $1 > 128 || (jpeg ? $1 >= $0 - jpegIndexTolerance : $1 > $0) }
}

/// Mean absolute difference between two equally long pixel buffers.
func meanAbsDiff(_ a: UnsafeRawBufferPointer, _ b: [UInt8]) -> Double {
    guard a.count == b.count, !b.isEmpty else { return 255 }
    var total = 0
    for i in 0..<b.count { total += abs(Int(a[i]) - Int(b[i])) }
    return Double(total) / Double(b.count)
}

/// Decodes a JPEG payload to BGR (or GRAY8) pixels.
func decodeJPEG(_ payload: FramePayload, gray: Bool = false) throws -> [UInt8] {
    let decoder = try JPEGDecoder()
    let (pixels, _) = try decoder.decode(payload.bytes, format: gray ? .gray8 : .bgr) { count, fill in
        var out = [UInt8](repeating: 0, count: count)
        try out.withUnsafeMutableBytes { try fill($0) }
        return out
    }
    return pixels
}

/// `test.indexed`: frames `indexedFrame(i)` for i = 0, 1, ... `count - 1`, then the end.
struct IndexedSourcePlugin: NodePlugin {
    static let kind = "test.indexed"
    static let summary = "Frames whose top-left block names their index (vidgear_peer.py's frame_for)"
    static let role = NodeRole.source
    static let options: [OptionSpec] = [
        OptionSpec("width", .int(8...4096), default: .int(64), doc: "width"),
        OptionSpec("height", .int(8...4096), default: .int(48), doc: "height"),
        OptionSpec("count", .int(1...1_000_000), default: .int(20), doc: "frames"),
        OptionSpec("framerate", .double(1...10000), default: .int(100), doc: "frames per second"),
        OptionSpec("gray", .bool, default: .bool(false), doc: "GRAY8 instead of BGR"),
        OptionSpec("delay", .duration, default: .duration(0), doc: "wait before the first frame"),
        OptionSpec("gate", .string, doc: "wait until the test opens this gate (openGate) before the first frame"),
        OptionSpec("until", .string, doc: "end the stream once the test opens this gate (instead of after count frames)"),
    ]
    static func produces(_ options: NodeOptions, inputKinds: Set<MediaKind>) -> Set<MediaKind> { [.raw] }

    static func make(_ context: NodeContext) throws -> any Node {
        let o = context.options
        return IndexedSource(width: o.int("width") ?? 64, height: o.int("height") ?? 48, count: o.int("count") ?? 20,
                             interval: 1 / (o.double("framerate") ?? 100), gray: o.bool("gray"), delay: o.duration("delay") ?? 0,
                             gate: o.string("gate"), until: o.string("until"))
    }
}

/// Gates opened by tests, for `test.indexed`'s `gate` option.
private let openGates = Mutex<Set<String>>([])

/// Lets the `test.indexed` sources waiting on `name` start. A PUB drops what it sends before a
/// subscription reaches it, so PUB/SUB tests open the gate once the sender has its peers.
func openGate(_ name: String) { _ = openGates.withLock { $0.insert(name) } }

private func isOpen(_ gate: String) -> Bool { openGates.withLock { $0.contains(gate) } }

final class IndexedSource: SendableNode {
    let width: Int, height: Int, count: Int, interval: Double, gray: Bool, delay: Double
    let gate: String?
    let until: String?
    let stopped = Atomic<Bool>(false)

    init(width: Int, height: Int, count: Int, interval: Double, gray: Bool, delay: Double, gate: String?, until: String?) {
        self.width = width
        self.height = height
        self.count = count
        self.interval = interval
        self.gray = gray
        self.delay = delay
        self.gate = gate
        self.until = until
    }

    func stop() { stopped.store(true, ordering: .relaxed) }

    func run(_ io: NodeIO) throws {
        if let gate {
            while !isOpen(gate) {
                if stopped.load(ordering: .relaxed) || io.isStopping { return }
                Thread.sleep(forTimeInterval: 0.005)
            }
        }
        if delay > 0 { Thread.sleep(forTimeInterval: delay) }
        let start = Date()
        for i in 0..<(until == nil ? count : Int.max) {
            if stopped.load(ordering: .relaxed) || io.isStopping { return }
            if let until, isOpen(until) { return }
            let due = start.addingTimeInterval(Double(i) * interval).timeIntervalSinceNow
            if due > 0 { Thread.sleep(forTimeInterval: due) }
            let pixels = indexedFrame(i, width: width, height: height, gray: gray)
            io.emit(Frame(format: gray ? .gray8 : .bgr, width: width, height: height, payload: FramePayload(copying: pixels),
                          timestamp: Clock.wallNanoseconds(), sequence: UInt64(i)))
        }
    }
}

// MARK: Ports

/// A port no other test of this process gets (see TestSupport's `freePort`).
func uniquePort() -> Int { freePort() }

// MARK: Logs

/// Log lines captured from a graph, for checks such as "the refusal names the key's fingerprint".
final class LogStore: Sendable {
    private let lines = Mutex<[String]>([])

    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
    func count(containing text: String) -> Int { all.filter { $0.contains(text) }.count }
    func contains(_ text: String) -> Bool { count(containing: text) > 0 }
}

struct CapturingLogHandler: LogHandler {
    let store: LogStore
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let node = (event.metadata?["node"] ?? metadata["node"]).map { "[\($0)] " } ?? ""
        store.append("\(event.level) \(node)\(event.message)")
    }
}

/// A graph run in this process like `TestGraph`, but with its log lines captured.
final class LoggedGraph: Sendable {
    let runtime: GraphRuntime
    let logs = LogStore()

    init(_ yaml: String, level: Logger.Level = .debug) throws {
        let r = GraphLoader(registry: registry).load(text: yaml, file: "test.yaml", baseDirectory: NSTemporaryDirectory())
        guard let graph = r.graph else { throw GraphError(r.diagnostics.sorted) }
        let store = logs
        var logger = Logger(label: "netgear-test") { _ in CapturingLogHandler(store: store) }
        logger.logLevel = level
        runtime = GraphRuntime(graph: graph, registry: registry, logger: logger)
        runtime.drainTimeout = 3
        runtime.abortTimeout = 2
        try runtime.start()
        runtime.launch()
    }

    func counters(_ node: String) -> NodeCounters? { runtime.counters(of: node) }
    func extra(_ node: String, _ name: String) -> Int { counters(node)?.extra(name) ?? 0 }

    /// Waits for the graph to end by itself.
    func ended(within timeout: Double) async -> Bool {
        await eventually(timeout: timeout) { self.runtime.isFinished }
    }

    /// Stops the graph and waits for it.
    func stop() async {
        runtime.stop()
        _ = await eventually(timeout: 30) { self.runtime.isFinished }
    }
}

/// Opens `gate` once each of `nodes` has completed `peers` handshakes; true if they did in time.
/// A PUB/SUB subscription follows the handshake and may still be on its way: tests that must
/// not lose a frame to it stream until the receiver has what they need (`until:`) instead of
/// waiting a moment.
@discardableResult
func openGate(_ gate: String, when graph: LoggedGraph, nodes: [String], peers: Int = 1, timeout: Double = 30) async -> Bool {
    let ok = await eventually(timeout: timeout) { nodes.allSatisfy { graph.extra($0, "handshakes") >= peers } }
    openGate(gate)
    return ok
}

/// A file for `vidgear_peer.py send --wait-file`: the vidgear sender starts once it exists.
func gateFile() -> String { NSTemporaryDirectory() + "ng-gate-\(UUID().uuidString.prefix(8))" }

/// Creates `file` once each of `nodes` has completed `peers` handshakes (see `openGate`).
@discardableResult
func openGateFile(_ file: String, when graph: LoggedGraph, nodes: [String], peers: Int = 1, timeout: Double = 30) async -> Bool {
    let ok = await eventually(timeout: timeout) { nodes.allSatisfy { graph.extra($0, "handshakes") >= peers } }
    _ = FileManager.default.createFile(atPath: file, contents: nil)
    return ok
}

// MARK: The vidgear peer

/// One `vidgear_peer.py serve` process for the whole test run: it imports vidgear once and
/// forks a peer per request, which saves Python's start-up (a third of a CPU second) per peer.
final class VidgearServer: @unchecked Sendable {
    // Safe: the process and pipes are set up once; `lock` guards the request counter, the
    // output buffer and writes to the server's stdin.
    static let shared: VidgearServer? = try? VidgearServer()

    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let lock = NSLock()
    private var buffer = ""
    private var nextID = 0
    let directory = TestPaths.temporaryDirectory("ng-vidgear")

    private init() throws {
        guard let python = TestPaths.python else { throw RouterError(.unsupported, vidgearMissing) }
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-u", TestPaths.root + "/Tests/interop/vidgear_peer.py", "serve"]
        var env = ProcessInfo.processInfo.environment
        // numpy's BLAS threads would not survive the fork; vidgear needs none.
        env["OPENBLAS_NUM_THREADS"] = "1"
        env["OMP_NUM_THREADS"] = "1"
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        process.environment = env
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        output.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            guard let self else { return }
            self.lock.lock()
            self.buffer += String(decoding: d, as: UTF8.self)
            self.lock.unlock()
        }
        try process.run()
    }

    /// Forks a peer with `arguments`; returns its pid and output files.
    func start(_ arguments: [String]) async throws -> (pid: Int32, out: String, err: String) {
        let (id, out, err) = lock.withLock {
            nextID += 1
            let id = nextID
            let out = "\(directory)/peer-\(id).out", err = "\(directory)/peer-\(id).err"
            let request = JSONValue.object([("id", .int(Int64(id))), ("args", .array(arguments.map { .string($0) })),
                                            ("out", .string(out)), ("err", .string(err))]).pythonJSONString() + "\n"
            input.fileHandleForWriting.write(Data(request.utf8))
            return (id, out, err)
        }
        let tag = "{\"id\": \(id), \"pid\": "
        var pid: Int32?
        _ = await eventually(timeout: 20, every: 0.005) {
            lock.withLock {
                guard let r = buffer.range(of: tag) else { return false }
                pid = Int32(buffer[r.upperBound...].prefix { $0.isNumber })
                return true
            }
        }
        guard let pid else { throw RouterError(.io, "the vidgear fork server did not start a peer (is it running? \(process.isRunning))") }
        return (pid, out, err)
    }
}

/// `Tests/interop/vidgear_peer.py` running in the test venv, forked by `VidgearServer`.
final class VidgearPeer: Sendable {
    let arguments: [String]
    let pid: Int32
    let outPath: String
    let errPath: String

    /// Starts the peer; `arguments` follow the mode (send, recv, keys).
    init(_ arguments: [String]) async throws {
        guard let server = VidgearServer.shared else { throw RouterError(.unsupported, vidgearMissing) }
        self.arguments = arguments
        (pid, outPath, errPath) = try await server.start(arguments)
    }

    var stdout: String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }
    var isDone: Bool { FileManager.default.fileExists(atPath: outPath + ".done") }

    /// Waits until a `recv` peer has bound its socket.
    func ready(timeout: Double = 10) async -> Bool {
        await eventually(timeout: timeout, every: 0.01) { self.stdout.contains("\"ready\": true") || self.isDone }
            && stdout.contains("\"ready\": true")
    }

    /// Waits for the peer to end and returns its last JSON line (nil if it printed none). A peer
    /// ends with its stream (a frame count, a terminate) or when the test stops it; the ceiling
    /// is only for a peer that hangs, which is then killed.
    func result(timeout: Double = 60) async -> JSONValue? {
        if !(await eventually(timeout: timeout, every: 0.01) { self.isDone }) { kill() }
        for line in stdout.split(separator: "\n").reversed() {
            if let v = try? JSONValue.parse(String(line)), case .object = v, v["ready"] == nil, v["progress"] == nil { return v }
        }
        return nil
    }

    /// The peer's last progress line: {"progress": frames received or sent so far}, with
    /// {"ports": {PORT: frames}} for a multi-server receiver.
    var progressLine: JSONValue? {
        for line in stdout.split(separator: "\n").reversed() {
            if let v = try? JSONValue.parse(String(line)), v["progress"] != nil { return v }
        }
        return nil
    }

    /// Frames the peer has received (`recv`) or sent (`send`) so far.
    var progress: Int { progressLine?["progress"]?.int ?? 0 }

    /// Frames a multi-server receiver has had from `port` so far.
    func progress(fromPort port: Int) -> Int { progressLine?["ports"]?[String(port)]?.int ?? 0 }

    /// Waits until the peer has received or sent `count` frames; false if it ended before or
    /// the ceiling passed.
    func progressed(to count: Int, timeout: Double = 30) async -> Bool {
        await eventually(timeout: timeout, every: 0.01) { self.progress >= count || self.isDone } && progress >= count
    }

    /// Whether vidgear's receive thread died on the ZAP user id queued alone (netgear-protocol.md).
    var receiveThreadDied: Bool { stderr.contains("zmq.error.Again") }

    /// Asks the peer to end now (SIGTERM: a receiver reports what it saw, a sender stops sending
    /// and closes) and returns its result.
    func stop() async -> JSONValue? {
        if !isDone { _ = Glibc.kill(pid, SIGTERM) }
        return await result()
    }

    /// Ends the peer at once, if it has not ended: once it has, its pid may already belong to
    /// another process (pids wrap at 32768 here, and threads use them too).
    func kill() {
        if !isDone { _ = Glibc.kill(pid, SIGKILL) }
    }

    /// What the peer printed, for failure messages.
    var transcript: String { "vidgear_peer.py \(arguments.joined(separator: " "))\nstdout: \(stdout)\nstderr: \(stderr.suffix(3000))" }

    /// Makes keys with vidgear's own generator under `dir/.vidgear/keys`.
    static func makeKeys(in dir: String) async throws -> JSONValue {
        let peer = try await VidgearPeer(["keys", "--dir", dir])
        guard let r = await peer.result(timeout: 30) else { throw RouterError(.io, "vidgear keys failed: \(peer.transcript)") }
        return r
    }
}

extension JSONValue {
    /// Integers of a JSON array.
    var ints: [Int] { (arrayValue ?? []).compactMap { $0.intValue.map(Int.init) } }
    var int: Int? { intValue.map(Int.init) }
}

/// Secure options for the vidgear peer.
func peerSecureArgs(_ mode: Int, keys: String?) -> [String] {
    guard mode > 0, let keys else { return [] }
    return ["--secure", String(mode), "--cert-dir", keys]
}
