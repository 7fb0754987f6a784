import GStreamer
import Logging
import MediaRouter

/// `gst.output`: raw frames into any GStreamer sink description: a window, a network stream
/// (with its encoder), a file writer of the user's own making.
public struct GStreamerOutputPlugin: NodePlugin {
    public static let kind = "gst.output"
    public static let summary = "Send raw frames to a GStreamer sink description (window, udpsink, srtsink, encoders before the sink, ...)"
    public static let role = NodeRole.sink

    public static let options: [OptionSpec] = [
        OptionSpec("sink", .string, default: .string("autovideosink"),
                   doc: "a gst-launch sink description, e.g. 'fakesink' or 'x264enc tune=zerolatency ! rtph264pay ! udpsink host=127.0.0.1 port=5000'"),
        OptionSpec("sync", .bool, default: .bool(false),
                   doc: "let the sink wait for each frame's time (false: show frames as soon as they arrive, for the least latency)"),
        ElementProperties.spec(main: "the last element of the sink description"),
    ]

    public static func validate(_ options: NodeOptions, context: ValidationContext, into diagnostics: inout Diagnostics) {
        let config = OutputConfig(options)
        let built = config.description(inputCaps: Caps.rawVideo(format: "BGR", width: 640, height: 480, framerate: Fraction(30, 1)))
        do {
            let pipeline = try Pipeline(description: built.description)
            do {
                try ElementProperties.apply(config.properties, to: pipeline, mainElement: built.elementName, withoutMain: OutputConfig.withoutMain)
            } catch {
                diagnostics.error("option 'properties' of \(kind): \(error)", at: options.location(of: "properties"))
            }
        } catch {
            let text = GStreamerHints.describe(error, description: built.description, linkHint: "the sink description must take raw video")
            diagnostics.error("option 'sink' of \(kind): \(text)", at: options.location(of: "sink"))
        }
    }

    public static func make(_ context: NodeContext) throws -> any Node {
        OutputNode(config: OutputConfig(context.options), context: context)
    }
}

struct OutputConfig: Sendable {
    static let withoutMain = "the sink description does not end with an element"

    var sink: String
    var sync: Bool
    var properties: [(String, String)]

    init(_ o: NodeOptions) {
        sink = o.string("sink") ?? "autovideosink"
        sync = o.bool("sync")
        properties = o.stringMap("properties")
    }

    /// appsrc ! videoconvert ! SINK, the sink description's last element named for `properties:`.
    func description(inputCaps: String?) -> LaunchText.Named {
        let named = LaunchText.nameElement(at: .last, of: sink)
        let source = "appsrc name=mr_src" + (inputCaps.map { " caps=\(LaunchText.quote($0))" } ?? "")
        return LaunchText.Named(description: [source, "videoconvert name=convert", named.description].joined(separator: " ! "),
                                elementName: named.elementName)
    }
}

final class OutputNode: SendableNode {
    struct Shared: Sendable {
        var pipeline: Pipeline?
        var source: AppSrc?
        var watch: BusWatch?
        var stopping = false
    }

    let config: OutputConfig
    let name: String
    let logger: Logger
    private let shared = Locked(Shared())

    init(config: OutputConfig, context: NodeContext) {
        self.config = config
        self.name = context.name
        self.logger = context.logger
    }

    /// Builds and starts the pipeline, so that a sink that cannot open (a display, a port)
    /// fails the start with its own words.
    func start() throws {
        let built = config.description(inputCaps: nil)
        let pipeline: Pipeline
        do {
            pipeline = try ElementProperties.pipeline(built.description, properties: config.properties, mainElement: built.elementName,
                                                      withoutMain: OutputConfig.withoutMain)
        } catch {
            throw RouterError(.startFailed, GStreamerHints.describe(error, description: built.description))
        }
        let source = try pipeline.appSrc(named: "mr_src")
        // Live: sinks start without waiting for a first frame to preroll.
        source.isLive = true
        source.block = true
        source.maxBytes = 0
        source.maxBuffers = 2
        if let sinkName = built.elementName, let sink = pipeline.element(named: sinkName), sink.hasProperty("sync"),
           !config.properties.contains(where: { $0.0 == "sync" || $0.0 == "\(sinkName).sync" }) {
            try? sink.setProperty("sync", config.sync)
        }
        let watch = BusWatch(pipeline: pipeline, name: name, logger: logger)
        do {
            // Sinks cannot preroll before the first frame, so only failures to open (a file, a
            // port, a device) are waited for; later errors reach the bus watch.
            try pipeline.play(timeout: 0)
        } catch {
            pipeline.stop()
            watch.close()
            throw RouterError(.startFailed, cause: error)
        }
        shared.withLock {
            $0.pipeline = pipeline
            $0.source = source
            $0.watch = watch
        }
    }

    /// Also ends the bus watch: when another node fails to start, this node is stopped
    /// without ever running, and nothing else would end the watch's thread.
    func stop() {
        let (pipeline, watch) = shared.withLock { s -> (Pipeline?, BusWatch?) in
            s.stopping = true
            return (s.pipeline, s.watch)
        }
        pipeline?.stop()
        watch?.close()
    }

    func run(_ io: NodeIO) throws {
        let (pipelineOrNil, sourceOrNil, watchOrNil) = shared.withLock { ($0.pipeline, $0.source, $0.watch) }
        guard let pipeline = pipelineOrNil, let source = sourceOrNil, let watch = watchOrNil else { return }
        defer {
            pipeline.stop()
            watch.close()
            shared.withLock {
                $0.pipeline = nil
                $0.source = nil
                $0.watch = nil
            }
        }
        var caps = AppSrcCaps()
        var base: (timestamp: Int64, runningTime: Int64)?
        var lastPTS: Int64 = -1
        while let frame = io.receive() {
            try caps.update(for: frame, on: source)
            // Frame times continue from the pipeline's running time when the first frame came,
            // so a sink that syncs shows each frame on time rather than all of them late.
            let origin = base ?? (frame.timestamp, pipeline.runningTimeNanoseconds ?? 0)
            base = origin
            var pts = origin.runningTime + frame.timestamp - origin.timestamp
            if pts <= lastPTS { pts = lastPTS + 1 }
            lastPTS = pts
            do {
                try AppSrcFeed.push(frame, to: source, pts: pts)
                io.counters.countOut(bytes: frame.byteCount)
            } catch let error as GStreamerError where error.code == .flushing || error.code == .endOfStream {
                break
            } catch {
                throw watch.failure.map { RouterError(.nodeFailed, $0) } ?? RouterError(.nodeFailed, cause: error)
            }
        }
        if shared.value.stopping { return }
        if let failure = watch.failure { throw RouterError(.nodeFailed, failure) }
        // Sinks that write something (a file, a stream trailer) get their end of stream.
        if (try? source.endOfStream()) != nil { _ = watch.settled.wait(timeout: 5) }
        if let failure = watch.failure { throw RouterError(.nodeFailed, failure) }
    }
}
