import Foundation
import FrameCodecs
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
        OptionSpec("threads", .int(1...64), default: .int(1),
                   doc: "frames encoded at once, each on its own thread; output keeps input order. More than 1 raises throughput (not single-frame latency) for high frame rates or large frames"),
    ]
    public static let defaultInputQueue = QueueSettings.live

    public static func accepts(_ options: NodeOptions) -> Set<MediaKind> { [.raw, .jpeg] }
    public static func produces(_ options: NodeOptions, inputKinds: Set<MediaKind>) -> Set<MediaKind> { [.jpeg] }

    public static func make(_ context: NodeContext) throws -> any Node {
        JPEGEncodeNode(quality: context.options.int("quality") ?? 90,
                       subsampling: JPEGSubsampling(rawValue: context.options.string("subsampling") ?? "422") ?? .s422,
                       fastDCT: context.options.bool("fastdct"), threads: context.options.int("threads") ?? 1)
    }
}

/// Used only by its own thread (the encoding workers get a Sendable closure, not the node); it
/// ends with its input, so a stop has nothing to wake.
final class JPEGEncodeNode: Node {
    let quality: Int
    let subsampling: JPEGSubsampling
    let fastDCT: Bool
    let threads: Int
    let stopHandle = StopHandle.none
    private var warned = false

    init(quality: Int, subsampling: JPEGSubsampling, fastDCT: Bool, threads: Int = 1) {
        self.quality = quality
        self.subsampling = subsampling
        self.fastDCT = fastDCT
        self.threads = max(1, threads)
    }

    func run(_ io: NodeIO) throws {
        let encode: @Sendable (Frame) throws -> Frame = { [quality, subsampling, fastDCT] frame in
            try ThreadCodec.current.encode(frame, quality: quality, subsampling: subsampling, fastDCT: fastDCT)
        }
        if threads == 1 {
            while let frame = io.receive() { handle(Result { try encode(frame) }, io: io) }
            return
        }
        // Frames go to `threads` workers from a feeder thread; this thread hands the results on
        // in input order as soon as each is ready.
        let pool = OrderedEncoderPool(threads: threads, name: io.name, encode: encode)
        defer { pool.cancel() }
        pool.feed(from: io)
        while true {
            switch pool.next(timeout: nil) {
            case .frame(let out): handle(.success(out), io: io)
            case .failed(let error): handle(.failure(error), io: io)
            case .timeout: continue
            case .end: return
            }
        }
    }

    private func handle(_ result: Result<Frame, any Error>, io: NodeIO) {
        switch result {
        case .success(let out):
            io.emit(out)
        case .failure(let error):
            io.counters.countDropped(reason: "encode_failed")
            if !warned { io.logger.warning("cannot encode frame: \(error)"); warned = true }
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

/// Ends with its input, so a stop has nothing to wake.
final class JPEGDecodeNode: Node {
    let format: PixelFormat
    let fastDCT: Bool
    let fastUpsample: Bool
    let stopHandle = StopHandle.none

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
