import Foundation
import GStreamer
import MediaRouter

/// `gst.capture`: frames from any GStreamer source (a camera, a file, an RTSP stream, a test
/// pattern), converted to the size, rate and pixel format the graph asks for.
public struct GStreamerCapturePlugin: NodePlugin, RestartDefaulting {
    public static let kind = "gst.capture"
    public static let summary = "Capture frames from a GStreamer source: camera, file, URI, RTSP or any gst-launch source description"
    public static let role = NodeRole.source
    public static let defaultRestart = RestartPolicy(mode: .onFailure, maxRestarts: nil, backoff: 1, maxBackoff: 30)

    static let sourceOptions = ["source", "device", "uri", "file", "rtsp"]
    static let formats = PixelFormat.rawFormats.map(\.name) + ["JPEG"]

    public static let options: [OptionSpec] = [
        OptionSpec("source", .string, default: .string("videotestsrc is-live=true"),
                   doc: "a gst-launch source description, e.g. 'v4l2src ! image/jpeg' or 'videotestsrc is-live=true pattern=ball'"),
        OptionSpec("device", .path, doc: "a V4L2 camera such as /dev/video0 (instead of source)"),
        OptionSpec("uri", .string, doc: "any URI GStreamer can play: file://, http://, rtsp://, ... (instead of source)"),
        OptionSpec("file", .path, doc: "a video file, relative to the graph file's folder (instead of source)"),
        OptionSpec("rtsp", .string, doc: "an rtsp:// URL, received with low latency (instead of source)"),
        OptionSpec("width", .int(1...16384), doc: "frame width in pixels (scaled); default: the source's"),
        OptionSpec("height", .int(1...16384), doc: "frame height in pixels (scaled); default: the source's"),
        OptionSpec("framerate", .framerate, doc: "frames per second (frames are dropped or repeated); default: the source's"),
        OptionSpec("format", .choice(formats), default: .string("BGR"),
                   doc: "pixel format of the frames; JPEG emits JPEG frames (the source's own JPEG when it has it, else jpegenc)"),
        OptionSpec("quality", .int(1...100), default: .int(85), doc: "JPEG quality when format is JPEG and frames must be encoded"),
        OptionSpec("loop", .bool, default: .bool(false), doc: "start again at the end of a file instead of ending the stream"),
        OptionSpec("realtime", .bool, default: .bool(true),
                   doc: "play files at their own speed (false: as fast as consumers take frames); live sources always run in real time"),
        ElementProperties.spec(main: "the source element (the first of a description)"),
    ]

    public static func produces(_ options: NodeOptions, inputKinds: Set<MediaKind>) -> Set<MediaKind> {
        options.string("format") == "JPEG" ? [.jpeg] : [.raw]
    }

    public static func validate(_ options: NodeOptions, context: ValidationContext, into diagnostics: inout Diagnostics) {
        let given = sourceOptions.filter { options.isSet($0) }.sorted { options.location(of: $0) < options.location(of: $1) }
        if given.count > 1 {
            for extra in given.dropFirst() {
                diagnostics.error("give only one of \(sourceOptions.joined(separator: ", ")): '\(extra)' and '\(given[0])' are both given",
                                  at: options.location(of: extra))
            }
            return
        }
        let config = CaptureConfig(options)
        let sourceOption = given.first ?? "source"
        switch config.source {
        case .file(let path):
            if !FileManager.default.fileExists(atPath: path) {
                diagnostics.error("option '\(sourceOption)' of \(kind): file not found: \(path)", at: options.location(of: sourceOption))
                return
            }
        case .uri(let uri):
            if let url = URL(string: uri), url.isFileURL, !FileManager.default.fileExists(atPath: url.path) {
                diagnostics.error("option 'uri' of \(kind): file not found: \(url.path)", at: options.location(of: "uri"))
                return
            }
        case .device(let device):
            if !FileManager.default.fileExists(atPath: device) {
                diagnostics.warning("camera \(device) does not exist (yet); the node will keep retrying", at: options.location(of: "device"))
            }
        default:
            break
        }
        // A source that gives JPEG itself must parse as one; if it does not, frames get encoded.
        let passthrough = config.triesJPEGPassthrough ? config.description(passthrough: true) : nil
        let built = config.description(passthrough: false)
        let pipeline: Pipeline
        if let passthrough, let p = try? Pipeline(description: passthrough.description) {
            pipeline = p
        } else {
            do {
                pipeline = try Pipeline(description: built.description)
            } catch {
                let text = GStreamerHints.describe(error, description: built.description, linkHint: CaptureConfig.linkHint)
                diagnostics.error("option '\(sourceOption)' of \(kind): \(text)", at: options.location(of: sourceOption))
                return
            }
        }
        do {
            try ElementProperties.apply(config.properties, to: pipeline, mainElement: built.elementName, withoutMain: CaptureConfig.withoutMain)
        } catch {
            diagnostics.error("option 'properties' of \(kind): \(error)", at: options.location(of: "properties"))
        }
    }

    public static func make(_ context: NodeContext) throws -> any Node {
        CaptureNode(config: CaptureConfig(context.options), context: context)
    }
}

/// What a capture node reads and how it converts, from the node's options.
struct CaptureConfig: Sendable {
    enum Source: Sendable {
        case description(String)
        case device(String)
        case uri(String)
        case file(String)
        case rtsp(String)
    }

    static let withoutMain = "the source description does not start with an element"
    static let linkHint = "the source must give raw video (end it with a decoder such as jpegdec or decodebin if it gives compressed video)"

    var source: Source
    var width: Int?
    var height: Int?
    var framerate: Fraction?
    var format: PixelFormat
    var quality: Int
    var loop: Bool
    var realtime: Bool
    var properties: [(String, String)]

    init(_ o: NodeOptions) {
        if o.isSet("device"), let d = o.string("device") {
            source = .device(d)
        } else if o.isSet("file"), let f = o.path("file") {
            source = .file(f)
        } else if o.isSet("uri"), let u = o.string("uri") {
            source = u.lowercased().hasPrefix("rtsp") ? .rtsp(u) : .uri(u)
        } else if o.isSet("rtsp"), let r = o.string("rtsp") {
            source = .rtsp(r)
        } else {
            source = .description(o.string("source") ?? "videotestsrc is-live=true")
        }
        width = o.int("width")
        height = o.int("height")
        framerate = o.framerate("framerate").map { Fraction($0.num, $0.den) }
        format = PixelFormat(o.string("format") ?? "BGR")
        quality = o.int("quality") ?? 85
        loop = o.bool("loop")
        realtime = o.bool("realtime")
        properties = o.stringMap("properties")
    }

    /// The source part of the pipeline, as the user would write it for gst-launch.
    var sourceText: String {
        switch source {
        case .description(let d):
            return d
        case .device(let d):
            return "v4l2src device=\(LaunchText.quote(d))"
        case .file(let path):
            return Self.decodeBin(uri: URL(fileURLWithPath: path).absoluteString)
        case .uri(let uri):
            return Self.decodeBin(uri: uri)
        case .rtsp(let url):
            // rtspsrc rather than uridecodebin, so its latency can be low and `properties:` reach it;
            // the caps keep an audio track from taking the only link to the decoder.
            return "rtspsrc location=\(LaunchText.quote(url)) latency=100 ! application/x-rtp,media=video ! decodebin"
        }
    }

    /// Only video is exposed: an unlinked audio pad would otherwise stall or fail the stream.
    static func decodeBin(uri: String) -> String {
        "uridecodebin uri=\(LaunchText.quote(uri)) caps=\"video/x-raw(ANY)\" expose-all-streams=false"
    }

    /// Whether JPEG frames should first be taken from the source as they are.
    var triesJPEGPassthrough: Bool {
        guard format == .jpeg else { return false }
        switch source {
        case .description, .device: return true
        default: return false
        }
    }

    var isFile: Bool {
        switch source {
        case .file, .uri: return true
        default: return false
        }
    }

    /// The whole pipeline, its source element named for `properties:`.
    func description(passthrough: Bool) -> LaunchText.Named {
        var fields: [String] = []
        if let width { fields.append("width=\(width)") }
        if let height { fields.append("height=\(height)") }
        if let framerate { fields.append("framerate=\(framerate)") }
        var parts: [String] = [sourceText]
        if passthrough {
            parts.append((["image/jpeg"] + fields).joined(separator: ","))
            parts.append("jpegparse")
        } else {
            parts.append("videoconvert name=convert")
            let scaled = width != nil || height != nil
            if scaled {
                parts.append("videoscale")
                fields.append("pixel-aspect-ratio=1/1")
            }
            if framerate != nil { parts.append("videorate") }
            if format == .jpeg {
                parts.append((["video/x-raw"] + fields).joined(separator: ","))
                parts.append("jpegenc name=mr_jpegenc quality=\(quality)")
            } else {
                parts.append((["video/x-raw", "format=\(format.name)"] + fields).joined(separator: ","))
            }
        }
        parts.append("appsink name=mr_sink")
        return LaunchText.nameElement(at: .first, of: parts.joined(separator: " ! "))
    }
}
