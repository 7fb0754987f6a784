import Age
import Foundation
import GStreamer
import Logging
import MediaRouter

/// The encrypted path of a recording: splitmuxsink makes one appsink per segment (async
/// finalize, `sink-factory=appsink`), and a thread per segment pulls the muxer's bytes from it
/// and writes them through an age encryptor into NAME.mkv.age. Plaintext exists only in
/// memory, never in a file.
///
/// Crash safety: the header goes out when the segment opens and each 64 KiB chunk as soon as
/// it is full, with plain write(2) calls (O_SYNC with `fsync`), so a killed process leaves
/// every finished segment complete and the open one a truncated age file whose chunks all
/// authenticate (`media-router recordings recover`).
final class EncryptedSegments: Sendable {
    struct State: Sendable {
        var paths: [String] = []
        var sinks: [Element] = []
        var seenSinks: Set<String> = []
        var running = 0
        var failure: String?
        var failedPaths: Set<String> = []
        var aborted = false
        var splitmux: Element?
    }

    let recipients: [X25519Recipient]
    let files: SegmentFiles
    let sync: Bool
    /// Seconds plaintext may wait for its chunk before the segment is closed early.
    let maxUnwritten: Double?
    let logger: Logger
    /// Called after each segment closed (or failed: true), from its thread.
    let onSegmentEnd: @Sendable (_ failed: Bool) -> Void
    private let state = Locked(State())

    init(recipients: [X25519Recipient], files: SegmentFiles, sync: Bool, maxUnwritten: Double?, logger: Logger, onSegmentEnd: @escaping @Sendable (_ failed: Bool) -> Void) {
        self.recipients = recipients
        self.files = files
        self.sync = sync
        self.maxUnwritten = maxUnwritten
        self.logger = logger
        self.onSegmentEnd = onSegmentEnd
    }

    var failure: String? { state.value.failure }
    var failedPaths: Set<String> { state.value.failedPaths }
    var isIdle: Bool { state.value.running == 0 }

    /// Marks the pipeline as stopping without end of stream: segments still open are left as
    /// they are (truncated, recoverable) instead of being finished. Call before stopping it.
    func abort() {
        state.withLock { $0.aborted = true }
    }

    /// Connects to the splitmuxsink: names segments and takes each new appsink.
    func attach(to splitmux: Element, in pipeline: Pipeline) throws {
        state.withLock { $0.splitmux = splitmux }
        try splitmux.connectFormatLocationFull { [self] _ in
            let path = files.nextPath()
            state.withLock { $0.paths.append(path) }
            pairUp()
            // appsink has no location; splitmuxsink only needs a name to log.
            return nil
        }
        try splitmux.connectSinkAdded { [self] sink in add(sink) }
        // The first sink may have been made while the pipeline was parsed.
        if let first = pipeline.element(named: "sink"), first.factoryName == "appsink" { add(first) }
    }

    private func add(_ sink: Element) {
        let fresh = state.withLock { $0.seenSinks.insert(sink.name).inserted }
        guard fresh else { return }
        state.withLock { $0.sinks.append(sink) }
        pairUp()
    }

    /// The k-th sink splitmuxsink makes writes the k-th segment it names.
    private func pairUp() {
        while let (sink, path) = state.withLock({ s -> (Element, String)? in
            guard !s.sinks.isEmpty, !s.paths.isEmpty else { return nil }
            s.running += 1
            return (s.sinks.removeFirst(), s.paths.removeFirst())
        }) {
            _ = startThread(name: "mr-age-segment") { [self] in write(from: sink, to: path) }
        }
    }

    private func fail(_ path: String, _ message: String) {
        state.withLock {
            if $0.failure == nil { $0.failure = message }
            $0.failedPaths.insert(path)
        }
    }

    private func write(from element: Element, to path: String) {
        defer {
            let failed = state.withLock { s -> Bool in
                s.running -= 1
                return s.failure != nil
            }
            onSegmentEnd(failed)
        }
        guard let appsink = try? AppSink(element) else {
            fail(path, "splitmuxsink made a \(element.factoryName ?? "?") where an appsink was expected")
            return
        }
        var file: FileSink?
        var writer: AgeWriter?
        do {
            let sink = try FileSink(path: path, sync: sync)
            file = sink
            files.opened(path)
            writer = try AgeWriter(recipients: recipients, output: sink.write)
        } catch {
            fail(path, "\(error)")
        }
        var sawData = false
        // For max_unwritten: since when the chunk being filled holds plaintext.
        var pendingSince: Int64?
        var chunks: UInt64 = 0
        var splitAsked = false
        let limit = maxUnwritten.map { Int64($0 * 1e9) }
        while true {
            var writeError: (any Error)?
            if let limit, let since = pendingSince, !splitAsked, Clock.monotonicNanoseconds() - since >= limit {
                // The next keyframe starts a new segment, and this one's last chunk goes out.
                splitAsked = true
                logger.debug("closing \(path) early: \(writer?.bufferedBytes ?? 0) bytes waited \(formatDuration(Double(limit) / 1e9)) for their chunk")
                try? state.value.splitmux?.emitAction("split-now")
            }
            let result = appsink.pullBytes(timeout: limit == nil ? nil : 0.05) { bytes in
                sawData = true
                guard let w = writer else { return }
                do { try w.write(bytes) } catch { writeError = error }
                if limit != nil {
                    if w.chunksWritten != chunks || pendingSince == nil { pendingSince = w.bufferedBytes > 0 ? Clock.monotonicNanoseconds() : nil }
                    chunks = w.chunksWritten
                }
            }
            if let writeError {
                // Keep pulling (and dropping) so the pipeline is not blocked; the node sees
                // the failure at its next frame and ends this recording.
                fail(path, "\(writeError)")
                writer = nil
            }
            if result == .bytes || result == .timeout { continue }
            if result == .flushing, !sawData, !state.value.aborted {
                // splitmuxsink makes the sink before it starts it: a stopped appsink that
                // never gave a byte has not started yet.
                usleep(2_000)
                continue
            }
            // A segment's appsink is stopped right after its end of stream (splitmuxsink then
            // disposes of it), so a stopped appsink means end of stream unless the whole
            // pipeline is being stopped without one.
            if result == .endOfStream || !state.value.aborted {
                do {
                    try writer?.finish()
                    try file?.close()
                    if writer != nil { files.closed(path) }
                } catch {
                    fail(path, "\(error)")
                }
            } else {
                // Stopped without end of stream: the file stays a truncated age file, which
                // `recordings recover` reads as far as it got.
                try? file?.close()
                if writer != nil {
                    logger.warning("\(path) was not finished; its last chunk is missing (media-router recordings recover reads the rest)")
                }
            }
            return
        }
    }
}
