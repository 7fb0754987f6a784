import BuiltInPlugins
import Foundation
import Logging
import MediaRouter
import Synchronization
import ZeroMQ

private let handedOutPorts = Mutex<Set<Int>>([])

/// A free TCP port on 127.0.0.1 that no earlier call returned (the fan-out bench asks for many
/// in a row, and the kernel may offer a just-closed port again).
func benchPort() -> Int {
    while true {
        let port = kernelFreePort()
        if handedOutPorts.withLock({ $0.insert(port).inserted }) { return port }
    }
}

private func kernelFreePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// The ceiling: the same two-part messages through libzmq with the same socket types, high-water
/// marks and CURVE keys, and nothing else.
enum RawCeiling {
    /// Its own context with as many I/O threads as the shared one, so that the ZAP handler
    /// media-router runs on the shared context does not judge these sockets.
    static let context: ZMQContext = {
        do { return try ZMQContext(ioThreads: ProcessInfo.processInfo.activeProcessorCount) } catch { fatalError("\(error)") }
    }()

    static func run(pattern: Int, secure: Int, width: Int, height: Int, duration: Double, paceFPS: Double) throws -> Measurement {
        let port = benchPort()
        let endpoint = "tcp://127.0.0.1:\(port)"
        let server = try CurveKeyPair.generate()
        let client = try CurveKeyPair.generate()
        let hwm = pattern == 2 ? (secure > 0 ? 8 : 2) : 1000
        let payload = FramePayload.make(count: width * height * 3) { b in for i in 0..<b.count { b[i] = UInt8(truncatingIfNeeded: i) } }
        let recvType: ZMQSocketType = [.pair, .rep, .sub][pattern]
        let sendType: ZMQSocketType = [.pair, .req, .pub][pattern]
        let meter = Meter()
        let ready = Event()
        let done = Event()
        let senderDone = Event()
        let failure = Locked<String?>(nil)
        startThread(name: "raw-recv") {
            do {
                let s = try ZMQSocket(context: context, type: recvType)
                try s.setOption(.linger, 0)
                try s.setOption(.receiveHighWaterMark, hwm)
                try s.setOption(.sendHighWaterMark, hwm)
                if secure > 0 { try s.configureCurveServer(server) }
                if secure > 0 && ProcessInfo.processInfo.environment["RAW_ZAP"] != nil {
                    try s.setOption(.zapDomain, "raw")
                    rawZAP.setPolicy(.allowAny, forDomain: "raw")
                }
                if recvType == .sub { try s.subscribe("") }
                _ = try s.bind(endpoint)
                ready.signal()
                while true {
                    let r = try zmqPoll([ZMQPollItem(s)], timeout: 200)
                    if !r[0].contains(.pollIn) {
                        if senderDone.isSet { break }
                        continue
                    }
                    while let m = try s.receiveMultipart(dontWait: true, maxParts: 3) {
                        if pattern < 2 { _ = try s.send("ok", dontWait: true) }
                        if m.count == 1 { continue }
                        let sentAt = m[0].bytes.count >= 8 ? m[0].bytes.loadUnaligned(as: Int64.self) : nil
                        meter.record(bytes: m[1].count, sentAt: sentAt)
                    }
                }
                s.close(linger: 0)
            } catch {
                failure.value = "\(error)"
                ready.signal()
            }
            done.signal()
        }
        ready.wait()
        let cpu0 = processCPUSeconds()
        startThread(name: "raw-send") {
            do {
                let s = try ZMQSocket(context: context, type: sendType)
                try s.setOption(.linger, 0)
                try s.setOption(.receiveHighWaterMark, hwm)
                try s.setOption(.sendHighWaterMark, hwm)
                if sendType == .req {
                    try s.setOption(.reqRelaxed, true)
                    try s.setOption(.reqCorrelate, true)
                }
                if secure > 0 { try s.configureCurveClient(client, serverKey: server.publicKey) }
                try s.connect(endpoint)
                // A header of the size NetGear sends, starting with the send time.
                var header = [UInt8](repeating: 0x20, count: 170)
                let start = Clock.monotonicNanoseconds()
                let end = start + Int64(duration * 1e9)
                var n: Int64 = 0
                while Clock.monotonicNanoseconds() < end {
                    if paceFPS > 0 {
                        let due = start + Int64(Double(n) * 1e9 / paceFPS)
                        let wait = due - Clock.monotonicNanoseconds()
                        if wait > 0 { usleep(UInt32(wait / 1000)) }
                    }
                    let now = Clock.wallNanoseconds()
                    withUnsafeBytes(of: now) { for i in 0..<8 { header[i] = $0[i] } }
                    guard try s.send(header, more: true, dontWait: pattern == 2) else { continue }
                    try s.send(borrowing: payload.baseAddress, count: payload.count, owner: payload)
                    n += 1
                    if pattern < 2 {
                        let r = try zmqPoll([ZMQPollItem(s)], timeout: 4000)
                        if r[0].contains(.pollIn) { _ = try s.receiveMultipart(maxParts: 2) } else { break }
                    }
                }
                usleep(200_000)
                s.close(linger: 0)
            } catch {
                failure.value = "\(error)"
            }
            senderDone.signal()
        }
        done.wait()
        if let f = failure.value { throw RouterError(.io, "raw ceiling: \(f)") }
        var m = meter.result
        if m.frames > 0 { m.cpuPerThousand = (processCPUSeconds() - cpu0) / Double(m.frames) * 1000 }
        return m
    }
}

let rawZAP: ZAPAuthenticator = {
    let a = ZAPAuthenticator(context: RawCeiling.context)
    try? a.start()
    return a
}()

/// Measures what the bench sink receives, under a key.
let meters = Mutex<[String: Meter]>([:])

struct BenchMeterPlugin: NodePlugin {
    static let kind = "bench.meter"
    static let summary = "Counts frames and latency for the benchmark"
    static let role = NodeRole.sink
    static let options: [OptionSpec] = [OptionSpec("key", .string, required: true, doc: "meter name")]
    static let defaultInputQueue = QueueSettings(size: 64, policy: .dropOldest)
    static func accepts(_ options: NodeOptions) -> Set<MediaKind> { [.raw, .jpeg, .array] }
    static func make(_ context: NodeContext) throws -> any Node {
        let meter = Meter()
        meters.withLock { $0[context.options.string("key") ?? ""] = meter }
        return BenchMeterNode(meter: meter)
    }
}

final class BenchMeterNode: SendableNode {
    let meter: Meter
    init(meter: Meter) { self.meter = meter }
    func run(_ io: NodeIO) throws {
        while let f = io.receive() { meter.record(bytes: f.byteCount, sentAt: f.timestamp) }
    }
}

let benchRegistry = NodeRegistry(plugins: builtInPlugins + [BenchMeterPlugin.self], converters: builtInConverters)

/// media-router itself: frame.generate -> netgear.send -> netgear.receive -> meter, in one
/// process, as a user would run it.
enum OurPath {
    /// Where JPEG frames come from.
    enum JPEGSource {
        /// netgear.send encodes each raw frame itself (jpeg_compression), as vidgear does.
        case sender
        /// netgear.send with `jpeg_threads: 2`: two threads encode ahead while it sends.
        case senderThreads
        /// A jpeg.encode node upstream encodes on two threads (one per core of the test machine), in order, while the sender waits for replies.
        case node
        /// Frames arrive already encoded (a MJPEG camera, a relay) and pass through.
        case preencoded
    }

    static func run(pattern: Int, secure: Int, width: Int, height: Int, duration: Double, jpeg: Bool, paceFPS: Double, keys: String,
                    jpegSource: JPEGSource = .sender, quality: Int = 90) throws -> Measurement {
        let port = benchPort()
        let key = UUID().uuidString
        let sec = secure > 0 ? "secure_mode: \(secure), custom_cert_location: \(keys), " : ""
        let policy = paceFPS > 0 ? "drop-oldest" : "block"
        var source = "cam: {kind: frame.generate, width: \(width), height: \(height), framerate: \(paceFPS), pattern: static}"
        var senderInput = "cam"
        if jpeg && jpegSource == .node {
            source += "\n  enc: {kind: jpeg.encode, input: {node: cam, queue: {size: 4, policy: \(policy)}}, quality: \(quality), threads: 2}"
            senderInput = "enc"
        } else if jpeg && jpegSource == .preencoded {
            source = "cam: {kind: frame.generate, width: \(width), height: \(height), framerate: \(paceFPS), pattern: static, format: JPEG, quality: \(quality)}"
        }
        let yaml = """
            nodes:
              \(source)
              tx: {kind: netgear.send, input: {node: \(senderInput), queue: {size: 2, policy: \(policy)}}, \(sec)address: 127.0.0.1, port: \(port), pattern: \(pattern), jpeg_compression: \(jpeg), jpeg_compression_quality: \(quality)\(jpeg && jpegSource == .senderThreads ? ", jpeg_threads: 2" : "")}
              rx: {kind: netgear.receive, \(sec)address: 127.0.0.1, port: \(port), pattern: \(pattern)}
              meter: {kind: bench.meter, input: rx, key: "\(key)"}
            """
        let r = GraphLoader(registry: benchRegistry).load(text: yaml)
        guard let graph = r.graph else { throw GraphError(r.diagnostics.sorted) }
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let runtime = GraphRuntime(graph: graph, registry: benchRegistry, logger: logger)
        try runtime.start()
        let cpu0 = processCPUSeconds()
        runtime.launch()
        Thread.sleep(forTimeInterval: duration)
        // CPU up to the stop: closing sockets and joining threads is not per-frame work.
        let cpu1 = processCPUSeconds()
        runtime.stop()
        runtime.wait(timeout: 15)
        var m = meters.withLock { $0.removeValue(forKey: key) }?.result ?? Measurement()
        if m.frames > 0 { m.cpuPerThousand = (cpu1 - cpu0) / Double(m.frames) * 1000 }
        return m
    }
}

/// vidgear -> vidgear, two Python processes.
enum VidgearPath {
    struct Result { var fps: Double; var p50: Double?; var p99: Double? }

    static func run(python: String, root: String, pattern: Int, secure: Int, jpeg: Bool, width: Int, height: Int,
                    duration: Double, keys: String, paceFPS: Double) throws -> Result {
        let port = benchPort()
        let script = root + "/bench/vidgear_bench.py"
        var common = ["--pattern", "\(pattern)", "--secure", "\(secure)", "--jpeg", jpeg ? "1" : "0", "--width", "\(width)",
                      "--height", "\(height)", "--duration", "\(duration)", "--port", "\(port)", "--keys", keys]
        if paceFPS > 0 { common += ["--fps", "\(paceFPS)"] }
        let recv = Process()
        recv.executableURL = URL(fileURLWithPath: python)
        recv.arguments = [script, "recv"] + common
        let out = Pipe()
        recv.standardOutput = out
        recv.standardError = FileHandle.nullDevice
        try recv.run()
        // Wait for the receiver's "ready" line before starting the sender.
        let handle = out.fileHandleForReading
        var buffer = Data()
        let readyDeadline = Date().addingTimeInterval(20)
        while !String(decoding: buffer, as: UTF8.self).contains("ready") && Date() < readyDeadline {
            let d = handle.availableData
            if d.isEmpty { break }
            buffer.append(d)
        }
        let send = Process()
        send.executableURL = URL(fileURLWithPath: python)
        send.arguments = [script, "send"] + common
        send.standardOutput = FileHandle.nullDevice
        send.standardError = FileHandle.nullDevice
        try send.run()
        send.waitUntilExit()
        recv.waitUntilExit()
        buffer.append(handle.readDataToEndOfFile())
        let lines = String(decoding: buffer, as: UTF8.self).split(separator: "\n")
        guard let last = lines.last(where: { $0.contains("fps") }),
              let json = try? JSONValue.parse(String(last)) else {
            throw RouterError(.io, "vidgear benchmark produced no result")
        }
        return Result(fps: json["fps"]?.doubleValue ?? 0, p50: json["p50_ms"]?.doubleValue, p99: json["p99_ms"]?.doubleValue)
    }
}
