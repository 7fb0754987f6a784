import GStreamer
import Logging
import MediaRouter

/// `gst.transform`: raw frames through any GStreamer fragment (scale, flip, overlay, colour
/// balance, rate change) and back out as raw frames.
public struct GStreamerTransformPlugin: NodePlugin {
    public static let kind = "gst.transform"
    public static let summary = "Pass raw frames through a GStreamer fragment such as 'videoflip method=horizontal-flip'"
    public static let role = NodeRole.transform

    public static let options: [OptionSpec] = [
        OptionSpec("pipeline", .string, required: true,
                   doc: "the elements between the input and the output, in gst-launch syntax, e.g. 'videoscale ! video/x-raw,width=320,height=240'"),
        OptionSpec("format", .choice(PixelFormat.rawFormats.map(\.name)), default: .string("BGR"), doc: "pixel format of the output frames"),
        OptionSpec("width", .int(1...16384), doc: "output width in pixels (scaled); default: what the fragment gives"),
        OptionSpec("height", .int(1...16384), doc: "output height in pixels (scaled); default: what the fragment gives"),
        ElementProperties.spec(main: "the fragment's first element"),
    ]

    public static func produces(_ options: NodeOptions, inputKinds: Set<MediaKind>) -> Set<MediaKind> { [.raw] }

    static let linkHint = "the fragment must take raw video and give raw video"

    public static func validate(_ options: NodeOptions, context: ValidationContext, into diagnostics: inout Diagnostics) {
        let config = TransformConfig(options)
        guard !config.fragment.allSatisfy(\.isWhitespace) else {
            diagnostics.error("option 'pipeline' of \(kind) is empty; give at least one element", at: options.location(of: "pipeline"))
            return
        }
        // Representative input caps let the parser check that the fragment takes raw video and
        // gives raw video back.
        let built = config.description(inputCaps: Caps.rawVideo(format: "BGR", width: 640, height: 480, framerate: Fraction(30, 1)))
        do {
            let pipeline = try Pipeline(description: built.description)
            do {
                try ElementProperties.apply(config.properties, to: pipeline, mainElement: built.elementName, withoutMain: TransformConfig.withoutMain)
            } catch {
                diagnostics.error("option 'properties' of \(kind): \(error)", at: options.location(of: "properties"))
            }
        } catch {
            let text = GStreamerHints.describe(error, description: built.description, linkHint: Self.linkHint)
            diagnostics.error("option 'pipeline' of \(kind): \(text)", at: options.location(of: "pipeline"))
        }
    }

    public static func make(_ context: NodeContext) throws -> any Node {
        TransformNode(config: TransformConfig(context.options), context: context)
    }
}

struct TransformConfig: Sendable {
    static let withoutMain = "the fragment does not start with an element"

    var fragment: String
    var format: PixelFormat
    var width: Int?
    var height: Int?
    var properties: [(String, String)]

    init(_ o: NodeOptions) {
        fragment = o.string("pipeline") ?? ""
        format = PixelFormat(o.string("format") ?? "BGR")
        width = o.int("width")
        height = o.int("height")
        properties = o.stringMap("properties")
    }

    /// appsrc ! FRAGMENT ! conversion to the output format ! appsink, the fragment's first
    /// element named for `properties:`.
    func description(inputCaps: String?) -> LaunchText.Named {
        let named = LaunchText.nameElement(at: .first, of: fragment)
        var fields = ["video/x-raw", "format=\(format.name)"]
        if let width { fields.append("width=\(width)") }
        if let height { fields.append("height=\(height)") }
        var parts = ["appsrc name=mr_src" + (inputCaps.map { " caps=\(LaunchText.quote($0))" } ?? ""), named.description, "videoconvert name=convert"]
        if width != nil || height != nil {
            parts.append("videoscale")
            fields.append("pixel-aspect-ratio=1/1")
        }
        parts.append(fields.joined(separator: ","))
        parts.append("appsink name=mr_sink")
        return LaunchText.Named(description: parts.joined(separator: " ! "), elementName: named.elementName)
    }
}

/// Pushes input frames into the pipeline on the node's thread and pulls results on a second
/// thread, since the fragment may make more or fewer frames than it is given (videorate).
final class TransformNode: SendableNode {
    struct Shared: Sendable {
        var pipeline: Pipeline?
        var stopping = false
    }

    /// What the puller needs to turn output timestamps back into capture times.
    struct Timing: Sendable {
        var base: Int64?
        var inputDuration: Int64 = 0
        var metadata: [Int64: JSONValue] = [:]
    }

    let config: TransformConfig
    let name: String
    let logger: Logger
    private let shared = Locked(Shared())
    private let timing = Locked(Timing())

    init(config: TransformConfig, context: NodeContext) {
        self.config = config
        self.name = context.name
        self.logger = context.logger
    }

    func start() throws {
        let built = config.description(inputCaps: nil)
        do {
            try Pipeline.check(description: built.description)
        } catch {
            throw RouterError(.startFailed, GStreamerHints.describe(error, description: built.description, linkHint: GStreamerTransformPlugin.linkHint))
        }
    }

    func stop() {
        let pipeline = shared.withLock { s -> Pipeline? in
            s.stopping = true
            return s.pipeline
        }
        pipeline?.stop()
    }

    func run(_ io: NodeIO) throws {
        let built = config.description(inputCaps: nil)
        let pipeline = try ElementProperties.pipeline(built.description, properties: config.properties, mainElement: built.elementName,
                                                      withoutMain: TransformConfig.withoutMain)
        let source = try pipeline.appSrc(named: "mr_src")
        source.block = true
        source.maxBytes = 0
        source.maxBuffers = 4
        let sink = try pipeline.appSink(named: "mr_sink")
        sink.sync = false
        sink.maxBuffers = 4
        sink.drop = false
        let registered = shared.withLock { s -> Bool in
            guard !s.stopping else { return false }
            s.pipeline = pipeline
            return true
        }
        guard registered else { return }
        let watch = BusWatch(pipeline: pipeline, name: name, logger: logger)
        let pulled = Event()
        defer {
            shared.withLock { $0.pipeline = nil }
            pipeline.stop()
            // A puller that never started has nothing to wait for; one that did sees flushing now.
            pulled.wait()
            watch.close()
        }
        do {
            // A non-live appsrc pipeline cannot preroll before data arrives, so nothing to wait for.
            try pipeline.play(timeout: 0)
        } catch {
            pulled.signal()
            throw RouterError(.nodeFailed, cause: error)
        }
        startThread(name: "pull:\(name)") { [self] in
            defer { pulled.signal() }
            pull(sink, io: io)
        }

        var caps = AppSrcCaps()
        var lastPTS: Int64 = -1
        var ended = false
        while let frame = io.receive() {
            try caps.update(for: frame, on: source)
            let base = timing.withLock { t -> Int64 in
                if t.base == nil { t.base = frame.timestamp }
                t.inputDuration = frame.duration
                return t.base ?? frame.timestamp
            }
            var pts = frame.timestamp - base
            if pts <= lastPTS { pts = lastPTS + 1 }
            lastPTS = pts
            if frame.metadata != .null {
                timing.withLock { t in
                    t.metadata[pts] = frame.metadata
                    if t.metadata.count > 256, let oldest = t.metadata.keys.min() { t.metadata[oldest] = nil }
                }
            }
            do {
                try AppSrcFeed.push(frame, to: source, pts: pts)
            } catch let error as GStreamerError where error.code == .flushing || error.code == .endOfStream {
                ended = true
                break
            } catch {
                // The element's own error on the bus says more than the refused push.
                throw watch.failure.map { RouterError(.nodeFailed, $0) } ?? RouterError(.nodeFailed, cause: error)
            }
        }
        if !ended { try? source.endOfStream() }
        pulled.wait()
        if shared.value.stopping { return }
        if let failure = watch.failure { throw RouterError(.nodeFailed, failure) }
    }

    private func pull(_ sink: AppSink, io: NodeIO) {
        var sequence: UInt64 = 0
        var lastTimestamp: Int64 = .min
        while case .sample(let sample) = sink.pullSample(timeout: nil) {
            guard let width = sample.width, let height = sample.height, let formatName = sample.format,
                  case let format = PixelFormat(formatName),
                  let payload = FrameLayout.payload(of: sample, format: format, width: width, height: height) else {
                io.counters.countDropped(reason: "unreadable_sample")
                continue
            }
            let (base, inputDuration, metadata) = timing.withLock { t in
                (t.base ?? 0, t.inputDuration, sample.pts.flatMap { t.metadata.removeValue(forKey: $0) })
            }
            var timestamp = base + (sample.pts ?? 0)
            if sample.pts == nil { timestamp = Clock.wallNanoseconds() }
            if timestamp <= lastTimestamp { timestamp = lastTimestamp + 1 }
            lastTimestamp = timestamp
            var duration = FrameRates.frameDuration(sample.framerate)
            if duration == 0 { duration = inputDuration }
            io.emit(Frame(format: format, width: width, height: height, payload: payload,
                          timestamp: timestamp, sequence: sequence, duration: duration, metadata: metadata ?? .null))
            sequence += 1
        }
    }
}

/// Keeps an appsrc's caps in step with the raw frames pushed into it. The caps text is made
/// only when the frames' format, size or frame rate changes, not for every frame.
struct AppSrcCaps {
    private struct Key: Equatable {
        var format: PixelFormat
        var width: Int
        var height: Int
        var framerate: Fraction
    }
    private var current: Key?

    mutating func update(for frame: Frame, on source: AppSrc) throws {
        let key = Key(format: frame.format, width: frame.width, height: frame.height,
                      framerate: FrameRates.fraction(forFrameDuration: frame.duration))
        if key == current { return }
        try source.setCaps(Caps.rawVideo(format: key.format.name, width: key.width, height: key.height, framerate: key.framerate))
        current = key
    }
}

/// Pushing graph frames into an appsrc: zero copy when GStreamer's row layout matches the
/// frame's, one row-by-row copy otherwise.
enum AppSrcFeed {
    static func push(_ frame: Frame, to source: AppSrc, pts: Int64, keyframe: Bool? = nil) throws {
        let duration: Int64? = frame.duration > 0 ? frame.duration : nil
        if frame.format.isRaw,
           let tight = FrameLayout.tight(frame.format, width: frame.width, height: frame.height),
           let target = FrameLayout.gstreamer(frame.format, width: frame.width, height: frame.height),
           !tight.sameRows(as: target) || target.size != tight.size {
            guard frame.payload.count >= tight.size else {
                throw RouterError(.badInput, "\(frame.format) \(frame.width)x\(frame.height) frame has \(frame.payload.count) bytes, expected \(tight.size)")
            }
            let copy = FramePayload.make(count: target.size) { out in
                out.initializeMemory(as: UInt8.self, repeating: 0)
                tight.copy(frame.payload.bytes, to: out, as: target)
            }
            try source.push(borrowing: copy.baseAddress, count: copy.count, owner: copy, pts: pts, duration: duration, keyframe: keyframe)
        } else {
            try source.push(borrowing: frame.payload.baseAddress, count: frame.payload.count, owner: frame.payload,
                            pts: pts, duration: duration, keyframe: keyframe)
        }
    }
}
