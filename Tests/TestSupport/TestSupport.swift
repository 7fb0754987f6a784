import Foundation
import MediaRouter

/// Paths and process helpers shared by the test targets.
public enum TestPaths {
    /// The repository root, found from this file's location.
    public static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The build folder holding the `media-router` binary that `swift test` built.
    public static var binary: String {
        if let env = ProcessInfo.processInfo.environment["MEDIA_ROUTER_BIN"] { return env }
        let candidates = [Bundle.main.bundlePath, Bundle.main.executablePath.map { ($0 as NSString).deletingLastPathComponent } ?? ""]
            + CommandLine.arguments.prefix(1).map { ($0 as NSString).deletingLastPathComponent }
        for dir in candidates where !dir.isEmpty {
            var d = dir
            for _ in 0..<4 {
                let p = (d as NSString).appendingPathComponent("media-router")
                if FileManager.default.isExecutableFile(atPath: p) { return p }
                d = (d as NSString).deletingLastPathComponent
            }
        }
        return root + "/.build/debug/media-router"
    }

    /// The Python of the test virtual environment that holds vidgear, if the test script made it.
    public static var python: String? {
        let candidates = [ProcessInfo.processInfo.environment["MEDIA_ROUTER_PYTHON"], root + "/.test-venv/bin/python"]
        for c in candidates.compactMap({ $0 }) where FileManager.default.isExecutableFile(atPath: c) { return c }
        return nil
    }

    /// A new empty folder under the system temp folder.
    public static func temporaryDirectory(_ prefix: String = "mr-test") -> String {
        let path = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// The result of a finished child process.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var timedOut: Bool
    /// True when the process ended by a signal (status is then the signal number).
    public var signaled: Bool
}

/// A child process whose output is collected; for end-to-end tests.
public final class ChildProcess: @unchecked Sendable {
    // Safe: Process is used from the test thread; the output buffers are guarded by a lock.
    public let process = Process()
    private let outPipe = Pipe()
    private let errPipe = Pipe()
    private let lock = NSLock()
    private var outData = Data()
    private var errData = Data()

    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], directory: String? = nil) {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = FileHandle.nullDevice
        outPipe.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            guard let self else { return }
            self.lock.lock(); self.outData.append(d); self.lock.unlock()
        }
        errPipe.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            guard let self else { return }
            self.lock.lock(); self.errData.append(d); self.lock.unlock()
        }
    }

    public func start() throws { try process.run() }

    public var pid: Int32 { process.processIdentifier }

    public func signal(_ sig: Int32) { Glibc.kill(process.processIdentifier, sig) }

    public var stdout: String { lock.lock(); defer { lock.unlock() }; return String(decoding: outData, as: UTF8.self) }
    public var stderr: String { lock.lock(); defer { lock.unlock() }; return String(decoding: errData, as: UTF8.self) }

    /// Waits until the process ends or `timeout` passes (then kills it).
    @discardableResult
    public func wait(timeout: Double) -> ProcessResult {
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while process.isRunning {
            if Date() > deadline {
                timedOut = true
                Glibc.kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                break
            }
            usleep(10_000)
        }
        process.waitUntilExit()
        // Let the readability handlers collect the last bytes.
        usleep(50_000)
        outPipe.fileHandleForReading.readabilityHandler = nil
        errPipe.fileHandleForReading.readabilityHandler = nil
        let restOut = (try? outPipe.fileHandleForReading.readToEnd()) ?? nil
        let restErr = (try? errPipe.fileHandleForReading.readToEnd()) ?? nil
        lock.lock()
        if let restOut { outData.append(restOut) }
        if let restErr { errData.append(restErr) }
        lock.unlock()
        return ProcessResult(status: process.terminationStatus, stdout: stdout, stderr: stderr, timedOut: timedOut,
                             signaled: process.terminationReason == .uncaughtSignal)
    }

    /// Waits until `text` appears in stdout or stderr; false on timeout or exit.
    public func waitForOutput(_ text: String, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if stdout.contains(text) || stderr.contains(text) { return true }
            if !process.isRunning { return stdout.contains(text) || stderr.contains(text) }
            usleep(20_000)
        }
        return false
    }

    /// Waits (on a thread of its own, never blocking a cooperative thread) until the process
    /// ends or `timeout` passes (then kills it).
    public func finished(timeout: Double = 60) async -> ProcessResult {
        // Blocking waits belong on their own thread; `wait` cannot fail.
        (try? await onDedicatedThread(name: "child-wait") { self.wait(timeout: timeout) })
            ?? ProcessResult(status: -1, stdout: stdout, stderr: stderr, timedOut: true, signaled: false)
    }

    /// Waits until `text` appears in stdout or stderr, without blocking a cooperative thread;
    /// false on timeout or exit.
    public func output(_ text: String, timeout: Double = eventCeiling) async -> Bool {
        await eventually(timeout: timeout, every: 0.02) { self.stdout.contains(text) || self.stderr.contains(text) || !self.process.isRunning }
            && (stdout.contains(text) || stderr.contains(text))
    }

    /// Ends the process at once if it still runs (for clean-up after a failed expectation).
    public func kill() {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
    }

    deinit {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
    }
}

/// Runs a command to completion, waiting on a thread of its own.
public func run(_ executable: String, _ arguments: [String], timeout: Double = 60,
                environment: [String: String] = [:], directory: String? = nil) async throws -> ProcessResult {
    let p = ChildProcess(executable, arguments, environment: environment, directory: directory)
    try p.start()
    return await p.finished(timeout: timeout)
}

/// Runs a command to completion (blocking: call it from a thread of its own, or use `run`).
public func runProcess(_ executable: String, _ arguments: [String], timeout: Double = 60,
                       environment: [String: String] = [:], directory: String? = nil) throws -> ProcessResult {
    let p = ChildProcess(executable, arguments, environment: environment, directory: directory)
    try p.start()
    return p.wait(timeout: timeout)
}

/// What `gst-discoverer-1.0` says about a media file.
public struct DiscoveredMedia: Sendable {
    public var durationSeconds: Double
    public var width: Int?
    public var height: Int?
    public var framerate: Double?
    public var videoCodec: String?
    public var container: String?
    public var output: String
    public var playable: Bool
}

/// Inspects a file with the real `gst-discoverer-1.0`.
public func discover(_ path: String) throws -> DiscoveredMedia {
    let r = try runProcess("/usr/bin/gst-discoverer-1.0", ["-v", path], timeout: 30)
    let out = r.stdout + r.stderr
    func firstMatch(_ pattern: String) -> String? {
        guard let re = try? NSRegularExpression(pattern: pattern) else { return nil }
        let ns = out as NSString
        guard let m = re.firstMatch(in: out, range: NSRange(location: 0, length: ns.length)), m.numberOfRanges > 1 else { return nil }
        return ns.substring(with: m.range(at: 1))
    }
    var duration = 0.0
    if let d = firstMatch("Duration: ([0-9:.]+)") {
        let parts = d.split(separator: ":").compactMap { Double($0) }
        if parts.count == 3 { duration = parts[0] * 3600 + parts[1] * 60 + parts[2] }
    }
    let width = firstMatch("Width: ([0-9]+)").flatMap { Int($0) }
    let height = firstMatch("Height: ([0-9]+)").flatMap { Int($0) }
    var fps: Double?
    if let f = firstMatch("Frame rate: ([0-9]+/[0-9]+)") {
        let p = f.split(separator: "/").compactMap { Double($0) }
        if p.count == 2, p[1] > 0 { fps = p[0] / p[1] }
    }
    let codec = firstMatch("video(?: #[0-9]+)?: ([^\\n]+)") ?? firstMatch("video/[^\\n]*?: ([^\\n]+)")
    let container = firstMatch("container(?: #[0-9]+)?: ([^\\n]+)")
    let playable = r.status == 0 && !out.contains("Analyzing URI timed out") && width != nil
    return DiscoveredMedia(durationSeconds: duration, width: width, height: height, framerate: fps, videoCodec: codec,
                           container: container, output: out, playable: playable)
}

/// Counts the video frames in a file by demuxing it to a fakesink (no decoding).
public func countFrames(_ path: String) throws -> Int {
    // No -q: it also silences the -v notifications the frames are counted from.
    let r = try runProcess("/usr/bin/gst-launch-1.0", ["filesrc", "location=\(path)", "!", "parsebin", "!",
                                                      "fakesink", "silent=false", "-v"], timeout: 60)
    return r.stdout.components(separatedBy: "chain   ******* (fakesink").count - 1
}

/// Builds a registry for tests from plugin types.
public func testRegistry(_ plugins: [any NodePlugin.Type], converters: [any FrameConverter] = []) -> NodeRegistry {
    NodeRegistry(plugins: plugins, converters: converters)
}

/// The JSON a `media-router run --stats-file` wrote, if the file is there and whole.
public func readStatsFile(_ path: String) -> JSONValue? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    return try? JSONValue.parse([UInt8](data))
}

/// The recordings (.mkv, .mp4, .ts) under `folder`, its subfolders included, sorted.
public func recordedFiles(_ folder: String) -> [String] {
    let files = (FileManager.default.enumerator(atPath: folder)?.allObjects as? [String]) ?? []
    return files.filter { $0.hasSuffix(".mkv") || $0.hasSuffix(".mp4") || $0.hasSuffix(".ts") }.sorted().map { folder + "/" + $0 }
}
