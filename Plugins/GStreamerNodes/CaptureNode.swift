import GStreamer
import Logging
import MediaRouter

/// Runs a capture pipeline on the node's thread and turns each pulled sample into a frame.
final class CaptureNode: SendableNode {
    struct Shared: Sendable {
        var pipeline: Pipeline?
        var stopping = false
    }

    let config: CaptureConfig
    let name: String
    let logger: Logger
    private let shared = Locked(Shared())

    init(config: CaptureConfig, context: NodeContext) {
        self.config = config
        self.name = context.name
        self.logger = context.logger
    }

    /// Parses the pipeline so that a description broken since validation fails the start; the
    /// source itself is opened in `run`, where a failure is retried by the restart policy.
    func start() throws {
        do {
            _ = try makePipeline(passthrough: false)
        } catch {
            if config.triesJPEGPassthrough, (try? makePipeline(passthrough: true)) != nil { return }
            throw RouterError(.startFailed, GStreamerHints.describe(error, description: config.description(passthrough: false).description,
                                                                    linkHint: CaptureConfig.linkHint))
        }
    }

    func stop() {
        let pipeline = shared.withLock { s -> Pipeline? in
            s.stopping = true
            return s.pipeline
        }
        pipeline?.stop()
    }

    private var stopping: Bool { shared.value.stopping }

    func makePipeline(passthrough: Bool) throws -> Pipeline {
        let built = config.description(passthrough: passthrough)
        return try ElementProperties.pipeline(built.description, properties: config.properties, mainElement: built.elementName,
                                              withoutMain: CaptureConfig.withoutMain)
    }

    enum Outcome {
        case stopped
        case ended(frames: Int)
        case passthroughRefused
    }

    func run(_ io: NodeIO) throws {
        var clock = CaptureClock()
        var passthrough = config.triesJPEGPassthrough
        while true {
            let pipeline: Pipeline
            do {
                pipeline = try makePipeline(passthrough: passthrough)
            } catch {
                if passthrough {
                    passthrough = false
                    continue
                }
                throw RouterError(.nodeFailed, GStreamerHints.describe(error))
            }
            switch try runPipeline(pipeline, passthrough: passthrough, clock: &clock, io: io) {
            case .stopped:
                return
            case .passthroughRefused:
                logger.info("the source gives no JPEG frames; encoding them with jpegenc")
                passthrough = false
            case .ended(let frames):
                guard config.loop, !stopping else { return }
                // Looping a source that gives nothing would spin without end.
                if frames == 0 { throw RouterError(.nodeFailed, "the source ended without a single frame, so it cannot loop") }
                logger.debug("end of the stream; starting again (loop)")
                clock.continueAfterLoop()
            }
        }
    }

    private func runPipeline(_ pipeline: Pipeline, passthrough: Bool, clock: inout CaptureClock, io: NodeIO) throws -> Outcome {
        let sink = try pipeline.appSink(named: "mr_sink")
        sink.maxBuffers = 2
        sink.drop = false
        sink.sync = config.realtime
        let registered = shared.withLock { s -> Bool in
            guard !s.stopping else { return false }
            s.pipeline = pipeline
            return true
        }
        guard registered else { return .stopped }
        let watch = BusWatch(pipeline: pipeline, name: name, logger: logger)
        defer {
            shared.withLock { $0.pipeline = nil }
            pipeline.stop()
            watch.close()
        }
        let started: StateChangeResult
        do {
            // Not waiting for preroll: errors arrive on the bus, and a slow network source must
            // not count as a failed start.
            started = try pipeline.play(timeout: 0)
        } catch {
            if stopping { return .stopped }
            if passthrough { return .passthroughRefused }
            throw RouterError(.nodeFailed, cause: error)
        }
        if started == .noPreroll {
            // A live source paces itself; waiting on the clock would only add latency, and when
            // consumers fall behind the freshest frame should win.
            sink.sync = false
            sink.drop = true
        }
        if stopping { return .stopped }
        var produced = 0
        while true {
            switch sink.pullSample(timeout: nil) {
            case .sample(let sample):
                if let frame = clock.frame(from: sample, config: config) {
                    produced += 1
                    io.emit(frame)
                } else {
                    io.counters.countDropped(reason: "unreadable_sample")
                }
            case .endOfStream:
                return .ended(frames: produced)
            case .flushing, .timeout:
                if stopping { return .stopped }
                if let failure = watch.failure {
                    if passthrough && produced == 0 { return .passthroughRefused }
                    throw RouterError(.nodeFailed, failure)
                }
                throw RouterError(.nodeFailed, "the capture pipeline stopped without saying why")
            }
        }
    }
}

/// Maps GStreamer timestamps to wall-clock capture times and numbers frames.
struct CaptureClock {
    private var wallAtFirst: Int64?
    private var firstPTS: Int64?
    private var lastTimestamp: Int64 = 0
    private var lastDuration: Int64 = 0
    private var sequence: UInt64 = 0

    /// After a loop the new pipeline's timestamps start again at zero; frames keep counting on
    /// from the last one, one frame later.
    mutating func continueAfterLoop() {
        wallAtFirst = lastTimestamp + max(lastDuration, 1)
        firstPTS = nil
    }

    mutating func frame(from sample: VideoSample, config: CaptureConfig) -> Frame? {
        guard let width = sample.width, let height = sample.height, let formatName = sample.format else { return nil }
        let format = PixelFormat(formatName)
        guard let payload = FrameLayout.payload(of: sample, format: format, width: width, height: height) else { return nil }
        var duration = FrameRates.frameDuration(sample.framerate)
        if duration == 0 { duration = FrameRates.frameDuration(config.framerate) }
        let now = Clock.wallNanoseconds()
        var timestamp: Int64
        if let pts = sample.pts {
            if firstPTS == nil {
                firstPTS = pts
                if wallAtFirst == nil { wallAtFirst = now }
            }
            timestamp = (wallAtFirst ?? now) + (pts - (firstPTS ?? pts))
        } else {
            timestamp = now
        }
        if sequence > 0, timestamp <= lastTimestamp { timestamp = lastTimestamp + 1 }
        lastTimestamp = timestamp
        lastDuration = duration
        defer { sequence += 1 }
        return Frame(format: format, width: width, height: height, payload: payload,
                     timestamp: timestamp, sequence: sequence, duration: duration)
    }
}
