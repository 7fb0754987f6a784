import Foundation
import MediaRouter
import Synchronization
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

final class JPEGEncodeNode: Node, Sendable {
    let quality: Int
    let subsampling: JPEGSubsampling
    let fastDCT: Bool
    let threads: Int
    private let warned = Atomic<Bool>(false)

    init(quality: Int, subsampling: JPEGSubsampling, fastDCT: Bool, threads: Int = 1) {
        self.quality = quality
        self.subsampling = subsampling
        self.fastDCT = fastDCT
        self.threads = max(1, threads)
    }

    func run(_ io: NodeIO) throws {
        if threads == 1 {
            let codec = JPEGFrameCodec()
            while let frame = io.receive() { encodeAndEmit(frame, codec: codec, io: io) }
        } else {
            try runParallel(io)
        }
    }

    private func encodeAndEmit(_ frame: Frame, codec: JPEGFrameCodec, io: NodeIO) {
        do {
            io.emit(try codec.encode(frame, quality: quality, subsampling: subsampling, fastDCT: fastDCT))
        } catch {
            io.counters.countDropped(reason: "encode_failed")
            if !warned.exchange(true, ordering: .relaxed) { io.logger.warning("cannot encode frame: \(error)") }
        }
    }

    /// Frames go to `threads` workers, each with its own encoder; a worker emits its frame only
    /// when every earlier frame has been emitted, so the output order is the input order and a
    /// finished frame never waits for this thread to come back from `receive`.
    private func runParallel(_ io: NodeIO) throws {
        let state = ParallelState(workers: threads)
        for w in 0..<threads {
            startThread(name: "\(io.name).jpeg\(w)") { [self] in
                let codec = JPEGFrameCodec()
                while let (index, frame) = state.take() {
                    let result: Result<Frame, any Error> = Result { try codec.encode(frame, quality: quality, subsampling: subsampling, fastDCT: fastDCT) }
                    state.waitForTurn(index)
                    switch result {
                    case .success(let out): io.emit(out)
                    case .failure(let error):
                        io.counters.countDropped(reason: "encode_failed")
                        if !warned.exchange(true, ordering: .relaxed) { io.logger.warning("cannot encode frame: \(error)") }
                    }
                    state.finishTurn()
                }
                state.workerEnded()
            }
        }
        var index = 0
        while let frame = io.receive() {
            state.put(index, frame, limit: threads)
            index += 1
        }
        state.finishAndWait()
    }
}

/// The hand-over between the node thread and the encoding workers of a parallel `jpeg.encode`.
private final class ParallelState: @unchecked Sendable {
    // Safe: every field is read and written with `lock` held.
    private let lock = ConditionLock()
    private var jobs: [(Int, Frame)] = []
    private var inFlight = 0
    private var nextOut = 0
    private var ended = false
    private var workers: Int

    init(workers: Int) { self.workers = workers }

    /// Queues a frame, waiting while `limit` frames are already being encoded.
    func put(_ index: Int, _ frame: Frame, limit: Int) {
        lock.withLock {
            while inFlight >= limit { lock.wait() }
            jobs.append((index, frame))
            inFlight += 1
            lock.broadcast()
        }
    }

    /// The next frame to encode; nil once the input ended and every frame was taken.
    func take() -> (Int, Frame)? {
        lock.withLock {
            while jobs.isEmpty && !ended { lock.wait() }
            return jobs.isEmpty ? nil : jobs.removeFirst()
        }
    }

    func waitForTurn(_ index: Int) {
        lock.withLock { while nextOut != index { lock.wait() } }
    }

    func finishTurn() {
        lock.withLock {
            nextOut += 1
            inFlight -= 1
            lock.broadcast()
        }
    }

    func workerEnded() {
        lock.withLock {
            workers -= 1
            lock.broadcast()
        }
    }

    /// Ends the input and waits until every queued frame was emitted and the workers stopped.
    func finishAndWait() {
        lock.withLock {
            ended = true
            lock.broadcast()
            while workers > 0 { lock.wait() }
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
