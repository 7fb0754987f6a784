import Foundation
import MediaRouter
import GStreamer
import Synchronization
import Testing

/// A fresh directory under the system temporary directory, removed by `remove()`.
struct TemporaryDirectory: Sendable {
    let path: String

    init(_ label: String = #function) throws {
        let name = label.filter { $0.isLetter || $0.isNumber }
        path = NSTemporaryDirectory() + "gstreamer-tests-\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// What `gst-discoverer-1.0` reports about a media file.
struct Discovered: Sendable {
    var durationNanoseconds: Int64?
    var width: Int?
    var height: Int?
    var output: String

    /// Runs gst-discoverer-1.0 on `path` (blocking: call on a dedicated thread).
    static func run(_ path: String) throws -> Discovered {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/gst-discoverer-1.0")
        process.arguments = [path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let output = String(decoding: data, as: UTF8.self)
        var result = Discovered(output: output)
        for line in output.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.hasPrefix("Duration: ") {
                result.durationNanoseconds = parseDuration(String(line.dropFirst("Duration: ".count)))
            } else if line.hasPrefix("Width: ") {
                result.width = Int(line.dropFirst("Width: ".count))
            } else if line.hasPrefix("Height: ") {
                result.height = Int(line.dropFirst("Height: ".count))
            }
        }
        return result
    }

    /// "0:00:01.000000000" → nanoseconds.
    static func parseDuration(_ text: String) -> Int64? {
        let parts = text.split(separator: ":")
        guard parts.count == 3, let hours = Int64(parts[0]), let minutes = Int64(parts[1]) else { return nil }
        let secondParts = parts[2].split(separator: ".")
        guard let seconds = Int64(secondParts[0]) else { return nil }
        let fraction = secondParts.count > 1 ? Int64(secondParts[1].padding(toLength: 9, withPad: "0", startingAt: 0)) ?? 0 : 0
        return ((hours * 60 + minutes) * 60 + seconds) * 1_000_000_000 + fraction
    }
}

/// A thread-safe list, for recording what callbacks on GStreamer threads saw.
final class LockedList<Item: Sendable>: Sendable {
    private let items = Mutex<[Item]>([])

    func append(_ item: Item) {
        items.withLock { $0.append(item) }
    }

    var all: [Item] { items.withLock { $0 } }
}

/// Counts deinitializations of `FramePayload` objects, to prove owners are released exactly once.
final class ReleaseCounter: Sendable {
    private let count = Atomic<Int>(0)

    func increment() {
        count.add(1, ordering: .relaxed)
    }

    var value: Int { count.load(ordering: .relaxed) }
}

/// The owner of one frame's memory in zero-copy push tests.
final class FramePayload: @unchecked Sendable {
    // @unchecked Sendable: a handle to raw memory; `pointer` is set once in init, the bytes are
    // only read after that, and deinit frees them once.
    let pointer: UnsafeMutableRawPointer
    let count: Int
    private let counter: ReleaseCounter

    init(count: Int, fill: UInt8, counter: ReleaseCounter) {
        self.count = count
        self.counter = counter
        pointer = .allocate(byteCount: count, alignment: 16)
        pointer.initializeMemory(as: UInt8.self, repeating: fill, count: count)
    }

    deinit {
        pointer.deallocate()
        counter.increment()
    }
}

/// Initializes GStreamer on a thread of its own before a suite's tests run. The first
/// initialization loads the plugin registry, which takes seconds on a fresh, loaded machine;
/// done by the first test that happens to touch GStreamer, it would block one of the
/// cooperative pool's few threads (and so every other test's waits) meanwhile.
struct GStreamerReady: SuiteTrait, TestScoping {
    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        try await onDedicatedThread(name: "gst-init") { try GStreamer.initialize() }
        try await function()
    }
}

extension Trait where Self == GStreamerReady {
    /// GStreamer is initialized, off the cooperative pool, before the suite runs.
    static var gstreamerReady: Self { Self() }
}
