import MediaRouter
import TurboJPEG

/// `jpeg.encode`: compresses raw frames to JPEG once, so every consumer of a fan-out shares one
/// encoded copy. Frames that are already JPEG pass through untouched.
public struct JPEGEncodePlugin: NodePlugin {
    public static let kind = "jpeg.encode"
    public static let summary = "Compress raw frames to JPEG (libjpeg-turbo); JPEG input passes through untouched"
    public static let role = NodeRole.transform
    public static let options: [OptionSpec] = [
        OptionSpec("quality", .int(1...100), default: .int(90), doc: "JPEG quality, 1 (smallest) to 100 (best); vidgear's default is 90"),
        OptionSpec("subsampling", .choice(["444", "422", "420"]), default: .string("422"),
                   doc: "chroma subsampling; 422 matches vidgear/simplejpeg, 420 is smaller"),
        OptionSpec("fastdct", .bool, default: .bool(true), doc: "use the fast, slightly less accurate DCT (vidgear's jpeg_compression_fastdct)"),
    ]
    public static let defaultInputQueue = QueueSettings.live

    public static func accepts(_ options: NodeOptions) -> Set<MediaKind> { [.raw, .jpeg] }
    public static func produces(_ options: NodeOptions, inputKinds: Set<MediaKind>) -> Set<MediaKind> { [.jpeg] }

    public static func make(_ context: NodeContext) throws -> any Node {
        JPEGEncodeNode(quality: context.options.int("quality") ?? 90,
                       subsampling: JPEGSubsampling(rawValue: context.options.string("subsampling") ?? "422") ?? .s422,
                       fastDCT: context.options.bool("fastdct"))
    }
}

final class JPEGEncodeNode: Node {
    let quality: Int
    let subsampling: JPEGSubsampling
    let fastDCT: Bool

    init(quality: Int, subsampling: JPEGSubsampling, fastDCT: Bool) {
        self.quality = quality
        self.subsampling = subsampling
        self.fastDCT = fastDCT
    }

    func run(_ io: NodeIO) throws {
        let codec = JPEGFrameCodec()
        var warned = false
        while let frame = io.receive() {
            do {
                io.emit(try codec.encode(frame, quality: quality, subsampling: subsampling, fastDCT: fastDCT))
            } catch {
                io.counters.countDropped(reason: "encode_failed")
                if !warned { io.logger.warning("cannot encode frame: \(error)"); warned = true }
            }
        }
    }
}

/// `jpeg.decode`: turns JPEG frames into raw pixels; raw frames pass through.
public struct JPEGDecodePlugin: NodePlugin {
    public static let kind = "jpeg.decode"
    public static let summary = "Decompress JPEG frames to raw pixels (libjpeg-turbo); raw input passes through"
    public static let role = NodeRole.transform
    public static let options: [OptionSpec] = [
        OptionSpec("format", .choice(["BGR", "RGB", "BGRA", "RGBA", "BGRX", "RGBX", "GRAY8"]), default: .string("BGR"),
                   doc: "pixel layout to decode into"),
        OptionSpec("fastdct", .bool, default: .bool(false), doc: "use the fast, slightly less accurate inverse DCT"),
        OptionSpec("fastupsample", .bool, default: .bool(false), doc: "use fast chroma upsampling"),
    ]

    public static func accepts(_ options: NodeOptions) -> Set<MediaKind> { [.raw, .jpeg] }
    public static func produces(_ options: NodeOptions, inputKinds: Set<MediaKind>) -> Set<MediaKind> { [.raw] }

    public static func make(_ context: NodeContext) throws -> any Node {
        JPEGDecodeNode(format: PixelFormat(context.options.string("format") ?? "BGR"),
                       fastDCT: context.options.bool("fastdct"), fastUpsample: context.options.bool("fastupsample"))
    }
}

final class JPEGDecodeNode: Node {
    let format: PixelFormat
    let fastDCT: Bool
    let fastUpsample: Bool

    init(format: PixelFormat, fastDCT: Bool, fastUpsample: Bool) {
        self.format = format
        self.fastDCT = fastDCT
        self.fastUpsample = fastUpsample
    }

    func run(_ io: NodeIO) throws {
        let codec = JPEGFrameCodec()
        var warned = false
        while let frame = io.receive() {
            do {
                io.emit(try codec.decode(frame, to: format, fastDCT: fastDCT, fastUpsample: fastUpsample))
            } catch {
                io.counters.countDropped(reason: "decode_failed")
                if !warned { io.logger.warning("cannot decode frame: \(error)"); warned = true }
            }
        }
    }
}
