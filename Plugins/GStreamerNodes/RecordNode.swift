import Foundation
import GStreamer
import Logging
import MediaRouter

/// Records its input. The pipeline is built at the first frame, whose format and size become
/// the caps; a frame of another format or size ends that recording cleanly and starts a new one.
final class RecordNode: SendableNode {
    struct Shared: Sendable {
        var session: RecordSession?
        var stopping = false
    }

    /// How long a clean stop waits for the muxers to write their index and close their files.
    static let finalizeTimeout: Double = 8
    /// How often, at most, the open file is looked for on disk while frames arrive: a file
    /// deleted meanwhile (or its folder) takes the frames written to it along.
    static let vanishCheckInterval: Int64 = 250_000_000

    let config: RecordConfig
    let name: String
    let logger: Logger
    let counters: NodeCounters
    let inputKinds: Set<MediaKind>
    let files: SegmentFiles
    private let shared = Locked(Shared())

    init(config: RecordConfig, context: NodeContext) {
        self.config = config
        self.name = context.name
        self.logger = context.logger
        self.counters = context.counters
        self.inputKinds = context.inputKinds
        self.files = SegmentFiles(config: config, logger: context.logger, counters: context.counters)
    }

    func start() throws {
        var elements = config.plan(for: .bgr).elements
        if inputKinds.contains(.jpeg) { elements += config.plan(for: .jpeg).elements }
        if let missing = GStreamerHints.checkInstalled(Array(Set(elements)).sorted()) {
            throw RouterError(.startFailed, missing)
        }
        try files.prepare()
        // Finished files of earlier runs may already be more than retention allows.
        files.enforceRetention()
    }

    /// Ends the recording from any thread: end of stream goes into the pipeline at once, so the
    /// files are finalized even while the node thread still waits for input.
    func stop() {
        let session = shared.withLock { s -> RecordSession? in
            s.stopping = true
            return s.session
        }
        session?.endStream()
    }

    func run(_ io: NodeIO) throws {
        var session: RecordSession?
        var base: Int64 = 0
        var lastPTS: Int64 = -1
        var nextVanishCheck: Int64 = 0
        defer {
            if let session { session.abort() }
            shared.withLock { $0.session = nil }
        }
        while let frame = io.receive() {
            let key = RecordSession.Key(frame)
            let now = Clock.monotonicNanoseconds()
            if let current = session, now >= nextVanishCheck {
                nextVanishCheck = now + Self.vanishCheckInterval
                if !files.vanished().isEmpty {
                    // A new session makes the next file, and its folder again.
                    session = nil
                    try finish(current)
                }
            }
            if session?.key != key {
                if let old = session {
                    logger.info("input changed from \(old.key) to \(key); starting a new file")
                    session = nil
                    try finish(old)
                }
                guard !shared.value.stopping else { break }
                let opened = try openSession(for: frame)
                session = opened
                base = frame.timestamp
                lastPTS = -1
            }
            guard let current = session else { break }
            // Frame times, not arrival times, so playback runs at the real speed even when
            // frames came unevenly or some were dropped on the way.
            var pts = frame.timestamp - base
            if pts <= lastPTS { pts = lastPTS + 1_000 }
            lastPTS = pts
            do {
                try current.push(frame, pts: pts)
                io.counters.countOut(bytes: frame.byteCount)
            } catch let error as GStreamerError where error.code == .flushing || error.code == .endOfStream {
                break
            } catch {
                // The element's own error on the bus says more than the refused push.
                guard let failure = current.failure else { throw RouterError(.nodeFailed, "recording failed", cause: error) }
                let problem = Self.folderProblem(of: current.failedPaths.isEmpty ? files.openPaths : current.failedPaths,
                                                 fixedFolder: files.fixedFolder)
                throw RouterError(.nodeFailed, "recording failed: \(failure)\(problem.map { " (\($0.message))" } ?? "")",
                                  permanent: problem?.permanent ?? false)
            }
        }
        if let last = session {
            session = nil
            try finish(last)
        }
    }

    private func openSession(for frame: Frame) throws -> RecordSession {
        let session: RecordSession
        do {
            session = try RecordSession(first: frame, config: config, files: files, name: name, logger: logger)
        } catch let error as RouterError {
            throw error
        } catch {
            throw RouterError(.nodeFailed, "cannot record \(frame.format) \(frame.width)x\(frame.height) frames: \(GStreamerHints.describe(error))")
        }
        let stopping = shared.withLock { s -> Bool in
            s.session = session
            return s.stopping
        }
        if stopping { session.endStream() }
        return session
    }

    /// Finalizes a session; a failure names the file being written and GStreamer's reason.
    private func finish(_ session: RecordSession) throws {
        let openBefore = files.openPaths
        let finalized = session.finish(timeout: Self.finalizeTimeout)
        shared.withLock { if $0.session === session { $0.session = nil } }
        if let failure = session.failure {
            files.abandonOpen()
            let paths = (session.failedPaths.isEmpty ? openBefore : session.failedPaths).sorted()
            // A file that never got a byte (the disk was already full) holds nothing to play and
            // would only be mistaken for a broken recording.
            for path in paths where (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) == 0 {
                try? FileManager.default.removeItem(atPath: path)
            }
            // Whether the folder can hold files at all decides whether trying again can help.
            let problem = Self.folderProblem(of: Set(paths), fixedFolder: files.fixedFolder)
            throw RouterError(.io, "recording to \(paths.isEmpty ? files.fixedFolder : paths.joined(separator: ", ")) failed: \(failure)\(problem.map { " (\($0.message))" } ?? "")",
                              permanent: problem?.permanent ?? false)
        }
        if !finalized {
            files.abandonOpen()
            logger.warning("the recording did not finish within \(formatDuration(Self.finalizeTimeout)); \(openBefore.sorted().joined(separator: ", ")) may lack an index but still play")
        }
    }

    /// Why the folder of the failed files cannot take a file now, if it cannot.
    static func folderProblem(of paths: Set<String>, fixedFolder: String) -> RecordFolder.Problem? {
        let folder = paths.sorted().first.map { ($0 as NSString).deletingLastPathComponent } ?? fixedFolder
        return RecordFolder.probe(folder)
    }
}

/// One pipeline: appsrc to splitmuxsink, for frames of one format and size.
final class RecordSession: Sendable {
    struct Key: Equatable, Sendable, CustomStringConvertible {
        var format: PixelFormat
        var width: Int
        var height: Int

        init(_ frame: Frame) {
            format = frame.format
            width = frame.width
            height = frame.height
        }

        var description: String { "\(format) \(width)x\(height)" }
    }

    struct Progress: Sendable {
        var endSent = false
        var endOfStream = false
        var failedPaths: Set<String> = []
    }

    let key: Key
    let plan: RecordPlan
    let pipeline: Pipeline
    let source: AppSrc
    let watch: BusWatch
    /// Fires once the stream ended and every segment closed, or at the first error.
    let completed = Event()
    private let progress = Locked(Progress())

    init(first frame: Frame, config: RecordConfig, files: SegmentFiles, name: String, logger: Logger) throws {
        key = Key(frame)
        let framerate = FrameRates.fraction(forFrameDuration: frame.duration)
        plan = config.plan(for: frame.format, width: frame.width, height: frame.height, framerate: framerate)
        pipeline = try ElementProperties.pipeline(plan.description(inputCaps: nil), properties: config.properties,
                                                  mainElement: plan.encoder, withoutMain: RecordPlan.withoutEncoder)
        source = try pipeline.appSrc(named: "mr_src")
        if frame.format == .jpeg {
            try source.setCaps("image/jpeg,width=\(frame.width),height=\(frame.height),framerate=\(framerate)")
        } else {
            try source.setCaps(Caps.rawVideo(format: frame.format.name, width: frame.width, height: frame.height, framerate: framerate))
        }
        // Back-pressure rather than loss: the input queue before this node decides what a slow
        // disk costs, and by default it blocks.
        source.block = true
        source.maxBytes = 0
        source.maxBuffers = 8
        let mux = try pipeline.requireElement(named: "splitmuxsink")
        try mux.connectFormatLocationFull { _ in files.nextPath() }
        let completed = self.completed
        let progress = self.progress
        watch = BusWatch(pipeline: pipeline, name: name, logger: logger) { message in
            switch message {
            case let .element(_, "splitmuxsink-fragment-opened", fields):
                if let location = fields["location"] {
                    logger.debug("recording to \(location)")
                    files.opened(location)
                }
            case let .element(_, "splitmuxsink-fragment-closed", fields):
                if let location = fields["location"] { files.closed(location) }
                // The last segment may close after end of stream reached the bus.
                if progress.value.endOfStream, files.openPaths.isEmpty { completed.signal() }
            case .endOfStream:
                progress.withLock { $0.endOfStream = true }
                if files.openPaths.isEmpty { completed.signal() }
            case .error:
                let open = files.openPaths
                progress.withLock { $0.failedPaths = open }
                completed.signal()
            default:
                break
            }
        }
        do {
            // Not waiting: a non-live appsrc pipeline prerolls only once data arrives.
            try pipeline.play(timeout: 0)
        } catch {
            pipeline.stop()
            watch.close()
            throw error
        }
    }

    var failure: String? { watch.failure }
    var failedPaths: Set<String> { progress.value.failedPaths }

    func push(_ frame: Frame, pts: Int64) throws {
        try AppSrcFeed.push(frame, to: source, pts: pts, keyframe: frame.format == .jpeg ? true : nil)
    }

    /// Sends end of stream once; safe from any thread.
    func endStream() {
        let first = progress.withLock { p -> Bool in
            defer { p.endSent = true }
            return !p.endSent
        }
        if first { try? source.endOfStream() }
    }

    /// Ends the stream and waits until the files are finalized; false if that took too long.
    func finish(timeout: Double) -> Bool {
        endStream()
        let done = completed.wait(timeout: timeout)
        pipeline.stop()
        watch.close()
        return done && failure == nil
    }

    /// Stops without finalizing, for a node thread leaving by an error.
    func abort() {
        pipeline.stop()
        watch.close()
    }
}
