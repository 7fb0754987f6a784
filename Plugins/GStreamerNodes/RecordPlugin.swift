import Foundation
import GStreamer
import MediaRouter

/// `gst.record`: frames into crash-safe recording files (see peers.md §8): every recording goes
/// through splitmuxsink with an unbuffered filesink, so a killed process leaves files that play.
public struct GStreamerRecordPlugin: NodePlugin, RestartDefaulting {
    public static let kind = "gst.record"
    public static let summary = "Record frames to MKV, MP4 or MPEG-TS files (H.264, VP8 or MJPEG), in segments with retention; files stay playable after a crash"
    public static let role = NodeRole.sink
    public static let defaultInputQueue = QueueSettings.lossless
    public static let defaultRestart = RestartPolicy(mode: .onFailure, maxRestarts: nil, backoff: 1, maxBackoff: 30)

    static let presets = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"]

    public static let options: [OptionSpec] = [
        OptionSpec("path", .path, default: .string("recordings/{node}-%Y%m%d-%H%M%S.mkv"),
                   doc: "file name template: strftime fields (%Y%m%d-%H%M%S) at the time each file opens, {node} for the node's name; relative to the graph file's folder; an existing name gets -1, -2, ..."),
        OptionSpec("container", .choice(RecordContainer.allCases.map(\.rawValue)), default: .string("mkv"),
                   doc: "mkv (crash-safe, any codec), mp4 (fragmented every 250 ms, a normal MP4 after a clean stop) or ts; default: from the path's extension, else mkv"),
        OptionSpec("codec", .choice(RecordCodec.allCases.map(\.rawValue)), default: .string("auto"),
                   doc: "auto (JPEG frames as they are into mkv, otherwise h264), h264 (x264), vp8 (mkv only) or mjpeg (mkv only; JPEG input is never re-encoded)"),
        OptionSpec("speed_preset", .choice(presets), default: .string("ultrafast"), doc: "x264 speed preset for h264"),
        OptionSpec("bitrate", .int(1...1_000_000), default: .int(2000), doc: "target bitrate in kbit/s for h264 and vp8"),
        OptionSpec("keyframe_interval", .duration, default: .duration(1), doc: "the longest time between keyframes (h264, vp8)"),
        OptionSpec("quality", .int(1...100), default: .int(85), doc: "JPEG quality when raw frames are recorded as mjpeg"),
        OptionSpec("segment_duration", .duration,
                   doc: "start a new file after this long, at a keyframe (e.g. 60s, 1h); default: one file"),
        OptionSpec("max_files", .int(1...1_000_000), doc: "keep at most this many finished files of this template (older ones are deleted)"),
        OptionSpec("max_age", .duration, doc: "delete finished files older than this (e.g. 7d)"),
        OptionSpec("max_total_size", .byteSize, doc: "delete the oldest finished files while the files of this template take more than this (e.g. 20GB)"),
        OptionSpec("fsync", .bool, default: .bool(false), doc: "write with O_SYNC so that even a power loss loses nothing written (slower)"),
        ElementProperties.spec(main: "the encoder (x264enc, vp8enc or jpegenc)"),
    ] + RecordEncryption.options

    public static func accepts(_ options: NodeOptions) -> Set<MediaKind> { [.raw, .jpeg] }

    public static func validate(_ options: NodeOptions, context: ValidationContext, into diagnostics: inout Diagnostics) {
        let config = RecordConfig(options, nodeName: options.nodeName)
        if let ext = config.templateExtension, let implied = RecordContainer(extension: ext), options.isSet("container"), options.isSet("path"),
           implied != config.container {
            diagnostics.error("option 'path' of \(kind): the file name ends in .\(ext) but container is \(config.container.rawValue)",
                              at: options.location(of: "path"))
            return
        }
        if config.fileNameTemplate.isEmpty {
            diagnostics.error("option 'path' of \(kind) has no file name", at: options.location(of: "path"))
            return
        }
        // Only what exists now is judged, and nothing is created: folders still to be made are fine.
        if let reason = RecordFolder.unusable(SegmentFiles.fixedFolder(of: config.nodeTemplate)) {
            diagnostics.error("option 'path' of \(kind): cannot record to \(config.nodeTemplate): \(reason)", at: options.location(of: "path"))
            return
        }
        let codecLocation = options.isSet("codec") ? options.location(of: "codec") : options.location(of: options.isSet("container") ? "container" : "path")
        if let problem = config.codec.problem(in: config.container) {
            diagnostics.error("option 'codec' of \(kind): \(problem)", at: codecLocation)
            return
        }
        if config.encryption == nil, config.template.lowercased().hasSuffix(RecordEncryption.fileSuffix) {
            diagnostics.error("option 'path' of \(kind): the file name ends in .age but the recording is not encrypted; set encrypt_to or encrypt_to_file, or drop the .age",
                              at: options.location(of: "path"))
            return
        }
        if config.encryption == nil, options.isSet("max_unwritten") {
            diagnostics.error("option 'max_unwritten' of \(kind) applies only to encrypted recordings (encrypt_to or encrypt_to_file)",
                              at: options.location(of: "max_unwritten"))
            return
        }
        if let encryption = config.encryption {
            do {
                _ = try encryption.recipients(bothSet: options.isSet("encrypt_to") && options.isSet("encrypt_to_file"))
            } catch {
                diagnostics.error("\(error)", at: options.location(of: error.option))
                return
            }
            if let problem = RecordEncryption.problem(with: config.container) {
                diagnostics.error("option 'container' of \(kind): \(problem)",
                                  at: options.location(of: options.isSet("container") ? "container" : options.isSet("path") ? "path" : "encrypt_to"))
                return
            }
        }
        let kinds = context.inputKinds.isEmpty ? [MediaKind.raw] : context.inputKinds.filter { $0 != .array }.sorted { $0.rawValue < $1.rawValue }
        for input in kinds {
            let plan = config.plan(for: input == .jpeg ? .jpeg : .bgr)
            if let missing = GStreamerHints.checkInstalled(plan.elements) {
                diagnostics.error("node '\(options.nodeName)' (\(kind)): \(missing)", at: codecLocation)
                return
            }
            let caps = input == .jpeg ? "image/jpeg,width=640,height=480,framerate=30/1"
                : Caps.rawVideo(format: "BGR", width: 640, height: 480, framerate: Fraction(30, 1))
            do {
                let pipeline = try Pipeline(description: plan.description(inputCaps: caps))
                do {
                    try ElementProperties.apply(config.properties, to: pipeline, mainElement: plan.encoder, withoutMain: RecordPlan.withoutEncoder)
                } catch {
                    diagnostics.error("option 'properties' of \(kind): \(error)", at: options.location(of: "properties"))
                    return
                }
            } catch {
                diagnostics.error("node '\(options.nodeName)' (\(kind)): \(GStreamerHints.describe(error))", at: codecLocation)
                return
            }
        }
    }

    public static func make(_ context: NodeContext) throws -> any Node {
        RecordNode(config: RecordConfig(context.options, nodeName: context.name), context: context)
    }
}

enum RecordContainer: String, CaseIterable, Sendable {
    case mkv, mp4, ts

    init?(extension ext: String) {
        switch ext.lowercased() {
        case "mkv": self = .mkv
        case "mp4", "m4v": self = .mp4
        case "ts", "mts", "m2ts": self = .ts
        default: return nil
        }
    }

    var muxer: String {
        switch self {
        case .mkv: return "matroskamux"
        case .mp4: return "mp4mux"
        case .ts: return "mpegtsmux"
        }
    }

    /// When encrypting, the file is append-only: Matroska is written streamable (no seeking
    /// back for the duration and index; players still show both), MPEG-TS is always forward.
    func muxerProperties(encrypted: Bool) -> String? {
        switch self {
        case .mkv where encrypted: return "properties,streamable=true"
        default: return muxerProperties
        }
    }

    /// matroskamux is left seekable (not streamable) so that a clean stop writes the duration
    /// and the index; a killed file still plays, it only lacks them. mp4mux writes a moov first
    /// and a fragment every 250 ms (what a crash can lose), and rewrites a complete moov on a
    /// clean stop. Enum values go as numbers: splitmuxsink silently drops nicks here.
    var muxerProperties: String? {
        switch self {
        case .mp4: return "properties,fragment-duration=250,fragment-mode=1"
        default: return nil
        }
    }
}

enum RecordCodec: String, CaseIterable, Sendable {
    case auto, h264, vp8, mjpeg

    func problem(in container: RecordContainer) -> String? {
        switch (self, container) {
        case (.mjpeg, .mp4), (.mjpeg, .ts):
            return "mjpeg can only be recorded in mkv (\(container.muxer) cannot hold JPEG); use container: mkv, or codec: h264"
        case (.vp8, .mp4), (.vp8, .ts):
            return "vp8 can only be recorded in mkv (\(container.muxer) cannot hold VP8); use container: mkv, or codec: h264"
        default:
            return nil
        }
    }
}

/// The recording options of one node.
struct RecordConfig: Sendable {
    var nodeName: String
    /// The path template, resolved against the graph file's folder.
    var template: String
    var container: RecordContainer
    var codec: RecordCodec
    var speedPreset: String
    var bitrate: Int
    var keyframeInterval: Double
    var quality: Int
    var segmentNanoseconds: Int64
    var retention: Retention
    var fsync: Bool
    var properties: [(String, String)]
    /// Where segments are encrypted to, if they are.
    var encryption: RecordEncryption?

    struct Retention: Sendable {
        var maxFiles: Int?
        var maxAge: Double?
        var maxTotalSize: Int64?
        var isEnabled: Bool { maxFiles != nil || maxAge != nil || maxTotalSize != nil }
    }

    init(_ o: NodeOptions, nodeName: String) {
        self.nodeName = nodeName
        var template = o.resolvePath(o.string("path") ?? "recordings/{node}-%Y%m%d-%H%M%S.mkv")
        // NAME.mkv.age: the .age is added to every encrypted segment anyway.
        if RecordEncryption(o) != nil, template.lowercased().hasSuffix(RecordEncryption.fileSuffix) { template.removeLast(RecordEncryption.fileSuffix.count) }
        let ext = (template as NSString).pathExtension
        let explicit = o.isSet("container") ? RecordContainer(rawValue: o.string("container") ?? "") : nil
        if o.isSet("path") {
            container = explicit ?? RecordContainer(extension: ext) ?? .mkv
            if ext.isEmpty || ext.contains("%") || ext.contains("}") { template += "." + container.rawValue }
        } else {
            // The default name follows the container the user chose.
            container = explicit ?? .mkv
            template = (template as NSString).deletingPathExtension + "." + container.rawValue
        }
        self.template = template
        codec = RecordCodec(rawValue: o.string("codec") ?? "auto") ?? .auto
        speedPreset = o.string("speed_preset") ?? "ultrafast"
        bitrate = o.int("bitrate") ?? 2000
        keyframeInterval = o.duration("keyframe_interval") ?? 1
        quality = o.int("quality") ?? 85
        segmentNanoseconds = Int64(((o.duration("segment_duration") ?? 0) * 1e9).rounded())
        retention = Retention(maxFiles: o.int("max_files"), maxAge: o.duration("max_age"), maxTotalSize: o.bytes("max_total_size"))
        fsync = o.bool("fsync")
        properties = o.stringMap("properties")
        encryption = RecordEncryption(o)
    }

    var fileNameTemplate: String { (template as NSString).lastPathComponent }

    /// The template with `{node}` replaced by the node's name.
    var nodeTemplate: String { template.replacingOccurrences(of: "{node}", with: nodeName.replacingOccurrences(of: "%", with: "%%")) }

    var templateExtension: String? {
        let ext = (template as NSString).pathExtension
        return ext.isEmpty ? nil : ext
    }

    /// The codec for frames of `format`: JPEG frames stay JPEG whenever the container can hold them.
    func codec(for format: PixelFormat) -> RecordCodec {
        guard codec == .auto else { return codec }
        return format == .jpeg && container == .mkv ? .mjpeg : .h264
    }

    /// How frames of `format` are encoded and muxed.
    func plan(for format: PixelFormat, width: Int = 640, height: Int = 480, framerate: Fraction = Fraction(30, 1)) -> RecordPlan {
        RecordPlan(config: self, format: format, codec: codec(for: format), width: width, height: height, framerate: framerate)
    }
}

/// The pipeline of one recording session: appsrc, conversion, encoder, parser, splitmuxsink.
struct RecordPlan: Sendable {
    var config: RecordConfig
    var format: PixelFormat
    var codec: RecordCodec
    var width: Int
    var height: Int
    var framerate: Fraction

    static let withoutEncoder = "JPEG frames are recorded as they are, without an encoder"

    /// The element `properties:` keys without an element name apply to.
    var encoder: String? {
        switch codec {
        case .h264: return "x264enc"
        case .vp8: return "vp8enc"
        case .mjpeg: return format == .jpeg ? nil : "jpegenc"
        case .auto: return nil
        }
    }

    var ownsEncoder: Bool { encoder != nil }

    var keyframeDistance: Int {
        let fps = framerate.numerator > 0 && framerate.denominator > 0 ? framerate.doubleValue : 30
        return max(1, Int((config.keyframeInterval * fps).rounded()))
    }

    var elements: [String] {
        var e = ["appsrc", "splitmuxsink", config.container.muxer, config.encryption == nil ? "filesink" : "appsink"]
        if format == .jpeg { e.append("jpegparse") }
        switch codec {
        case .h264: e += ["videoconvert", "x264enc", "h264parse"] + (format == .jpeg ? ["jpegdec"] : [])
        case .vp8: e += ["videoconvert", "vp8enc"] + (format == .jpeg ? ["jpegdec"] : [])
        case .mjpeg: e += format == .jpeg ? [] : ["videoconvert", "jpegenc"]
        case .auto: break
        }
        return e
    }

    func description(inputCaps: String?) -> String {
        var parts = ["appsrc name=mr_src" + (inputCaps.map { " caps=\(LaunchText.quote($0))" } ?? "")]
        if format == .jpeg {
            parts.append("jpegparse")
            if codec != .mjpeg { parts.append("jpegdec") }
        }
        switch codec {
        case .h264:
            // 4:2:0 explicitly: from RGB input x264 would otherwise pick 4:4:4 (High 4:4:4
            // Predictive), which most players cannot decode. 4:2:0 also needs even sizes.
            parts.append("videoconvert")
            var caps = "video/x-raw,format=I420"
            if width % 2 != 0 || height % 2 != 0 {
                parts.append("videoscale")
                caps += ",width=\(max(2, width & ~1)),height=\(max(2, height & ~1))"
            }
            parts.append(caps)
            parts.append("x264enc name=x264enc tune=zerolatency speed-preset=\(config.speedPreset) key-int-max=\(keyframeDistance) bitrate=\(config.bitrate)")
            parts.append("h264parse")
        case .vp8:
            parts.append("videoconvert")
            parts.append("vp8enc name=vp8enc deadline=1 cpu-used=8 keyframe-max-dist=\(keyframeDistance) target-bitrate=\(config.bitrate * 1000)")
        case .mjpeg:
            if format != .jpeg {
                parts.append("videoconvert")
                parts.append("jpegenc name=jpegenc quality=\(config.quality)")
            }
        case .auto:
            break
        }
        let encrypted = config.encryption != nil
        var sink = "splitmuxsink name=splitmuxsink async-finalize=true muxer-factory=\(config.container.muxer)"
        if let muxerProperties = config.container.muxerProperties(encrypted: encrypted) { sink += " muxer-properties=\(LaunchText.quote(muxerProperties))" }
        if encrypted {
            // One appsink per segment, drained by EncryptedSegments: the muxer's bytes reach
            // no file before they are encrypted. Not synchronised to the clock (as filesink);
            // a bounded queue pushes back on the muxer rather than grow without limit.
            sink += " sink-factory=appsink sink-properties=\(LaunchText.quote("properties,sync=false,max-buffers=256,drop=false,emit-signals=false"))"
        } else {
            // buffer-mode=2 is "unbuffered": every buffer reaches the kernel at once, so a killed
            // process loses nothing already muxed. The nick would be silently ignored here.
            sink += " sink-properties=\(LaunchText.quote("properties,buffer-mode=2" + (config.fsync ? ",o-sync=true" : "")))"
        }
        if config.segmentNanoseconds > 0 {
            sink += " max-size-time=\(config.segmentNanoseconds)"
            if ownsEncoder && codec != .mjpeg { sink += " send-keyframe-requests=true" }
        }
        parts.append(sink)
        return parts.joined(separator: " ! ")
    }
}
