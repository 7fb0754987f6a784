import Foundation
import Logging
import MediaRouter
import Synchronization

/// What a `test.collect` node saw of one frame.
public struct CollectedFrame: Sendable {
    public var format: PixelFormat
    public var width: Int
    public var height: Int
    public var byteCount: Int
    public var sequence: UInt64
    public var timestamp: Int64
    public var metadata: JSONValue
    /// The first bytes of the payload, for content checks.
    public var head: [UInt8]
    public var arrayDType: String?
    public var arrayShape: [Int]?
    /// The payload itself, kept when the node's `keep` option is on.
    public var payload: FramePayload?
}

/// Frames collected by name, shared between the runtime's node threads and the test.
public let collectedFrames = Mutex<[String: [CollectedFrame]]>([:])

public func collected(_ name: String) -> [CollectedFrame] { collectedFrames.withLock { $0[name] ?? [] } }

public func resetCollected(_ name: String) { collectedFrames.withLock { $0[name] = [] } }

/// `test.collect`: a sink that records what it receives, under its node name (or `key`).
public struct CollectSinkPlugin: NodePlugin {
    public static let kind = "test.collect"
    public static let summary = "Record received frames for tests"
    public static let role = NodeRole.sink
    public static let options: [OptionSpec] = [
        OptionSpec("key", .string, doc: "name to record under (default: the node name)"),
        OptionSpec("accept", .choice(["any", "raw"]), default: .string("any"), doc: "what the node accepts"),
        OptionSpec("keep", .bool, default: .bool(false), doc: "keep payloads"),
        OptionSpec("delay", .duration, default: .duration(0), doc: "time spent per frame"),
    ]
    public static let defaultInputQueue = QueueSettings(size: 256, policy: .block)

    public static func accepts(_ options: NodeOptions) -> Set<MediaKind> {
        options.string("accept") == "raw" ? [.raw] : [.raw, .jpeg, .array]
    }

    public static func make(_ context: NodeContext) throws -> any Node {
        CollectSink(key: context.options.string("key") ?? context.name, keep: context.options.bool("keep"),
                    delay: context.options.duration("delay") ?? 0)
    }
}

final class CollectSink: SendableNode {
    let key: String
    let keep: Bool
    let delay: Double
    init(key: String, keep: Bool, delay: Double) {
        self.key = key
        self.keep = keep
        self.delay = delay
    }

    func run(_ io: NodeIO) throws {
        while let f = io.receive() {
            let c = CollectedFrame(format: f.format, width: f.width, height: f.height, byteCount: f.byteCount, sequence: f.sequence,
                                   timestamp: f.timestamp, metadata: f.metadata, head: Array(f.payload.bytes.prefix(64)),
                                   arrayDType: f.arrayDType, arrayShape: f.arrayShape, payload: keep ? f.payload : nil)
            collectedFrames.withLock { $0[key, default: []].append(c) }
            io.counters.countOut(bytes: f.byteCount)
            if delay > 0 { Thread.sleep(forTimeInterval: delay) }
        }
    }
}

/// Runs graphs in this process for tests.
public final class TestGraph: Sendable {
    public let runtime: GraphRuntime

    /// Loads, checks and starts a graph; throws with every diagnostic if it is invalid.
    public init(_ yaml: String, registry: NodeRegistry, baseDirectory: String = NSTemporaryDirectory()) throws {
        let r = GraphLoader(registry: registry).load(text: yaml, file: "test.yaml", baseDirectory: baseDirectory)
        guard let graph = r.graph else { throw GraphError(r.diagnostics.sorted) }
        var logger = Logger(label: "test")
        logger.logLevel = ProcessInfo.processInfo.environment["MR_TEST_LOG"] != nil ? .debug : .critical
        runtime = GraphRuntime(graph: graph, registry: registry, logger: logger)
        runtime.drainTimeout = 3
        runtime.abortTimeout = 2
        try runtime.start()
        runtime.launch()
    }

    public func counters(_ node: String) -> NodeCounters? { runtime.counters(of: node) }

    /// Stops the graph and waits for it to end.
    @discardableResult
    public func stop(timeout: Double = 10) -> Bool {
        runtime.stop()
        return runtime.wait(timeout: timeout)
    }

    /// Waits until `condition` holds or `timeout` passes; returns whether it held.
    @discardableResult
    public static func waitUntil(timeout: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }
}

private let portCounter = Mutex<Int>(12_000 + Int.random(in: 0..<20_000))

/// A TCP port on 127.0.0.1 that binds now and that no other caller in this process got. Ports
/// come from 12000-31999, below the kernel's ephemeral range (32768 and up), so outgoing
/// connections made meanwhile cannot take them as their local end.
public func freePort() -> Int {
    portCounter.withLock { next in
        while true {
            let port = next
            next = port + 1 >= 32_000 ? 12_000 : port + 1
            if canBind(port) { return port }
        }
    }
}

private func canBind(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = UInt16(port).bigEndian
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
}
