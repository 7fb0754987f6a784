import Foundation
import Synchronization
import MediaRouter

/// `frame.generate`: a pure-Swift test source of raw frames, for benchmarks and tests that must
/// not depend on a camera or GStreamer.
public struct FrameGeneratePlugin: NodePlugin {
    public static let kind = "frame.generate"
    public static let summary = "Generate synthetic frames (a moving bar, a textured still, or its JPEG) at a fixed rate or as fast as possible"
    public static let role = NodeRole.source
    public static let options: [OptionSpec] = [
        OptionSpec("width", .int(1...16384), default: .int(640), doc: "frame width in pixels"),
        OptionSpec("height", .int(1...16384), default: .int(480), doc: "frame height in pixels"),
        OptionSpec("framerate", .double(0...1000), default: .int(30),
                   doc: "frames per second; 0 means as fast as consumers take them"),
        OptionSpec("format", .choice(["BGR", "RGB", "GRAY8", "BGRA", "RGBA", "JPEG"]), default: .string("BGR"),
                   doc: "pixel format; JPEG encodes one textured still once and sends it every time (for benchmarks)"),
        OptionSpec("quality", .int(1...100), default: .int(85), doc: "JPEG quality when format is JPEG"),
        OptionSpec("count", .int(0...Int(Int32.max)), default: .int(0), doc: "frames to make before ending the stream; 0 means no limit"),
        OptionSpec("pattern", .choice(["bar", "static", "texture"]), default: .string("bar"),
                   doc: "bar draws a moving bar into each frame; static reuses one gradient frame and texture one camera-like textured frame (no per-frame work, for benchmarks)"),
    ]

    public static func produces(_ options: NodeOptions, inputKinds: Set<MediaKind>) -> Set<MediaKind> {
        options.string("format") == "JPEG" ? [.jpeg] : [.raw]
    }

    public static func make(_ context: NodeContext) throws -> any Node {
        let o = context.options
        var interval: Int64 = 0
        if let fps = o.double("framerate"), fps > 0 { interval = Int64(1e9 / fps) }
        let format = PixelFormat(o.string("format") ?? "BGR")
        let pattern = o.string("pattern") ?? "bar"
        return FrameGenerateNode(width: o.int("width") ?? 640, height: o.int("height") ?? 480,
                                 format: format, interval: interval, count: o.int("count") ?? 0,
                                 moving: pattern == "bar" && format != .jpeg, texture: pattern == "texture" || (format == .jpeg && pattern != "static"),
                                 quality: o.int("quality") ?? 85)
    }

    /// A still that compresses like a camera picture: smooth gradients plus fine texture.
    public static func texturedImage(width: Int, height: Int, bytesPerPixel bpp: Int) -> FramePayload {
        FramePayload.make(count: width * height * bpp) { b in
            var seed: UInt32 = 12345
            for y in 0..<height {
                for x in 0..<width {
                    seed = seed &* 1_103_515_245 &+ 12345
                    let noise = Int((seed >> 16) & 31) - 16
                    let base = y * width * bpp + x * bpp
                    for c in 0..<bpp {
                        let v = (c == 0 ? x * 255 / max(1, width) : c == 1 ? y * 255 / max(1, height) : (x + y) * 127 / max(1, width + height)) + noise
                        b[base + c] = UInt8(clamping: v)
                    }
                }
            }
        }
    }
}

final class FrameGenerateNode: SendableNode {
    let width: Int, height: Int, format: PixelFormat, interval: Int64, count: Int, moving: Bool, texture: Bool, quality: Int
    let stopped = Event()

    init(width: Int, height: Int, format: PixelFormat, interval: Int64, count: Int, moving: Bool, texture: Bool, quality: Int) {
        self.width = width
        self.height = height
        self.format = format
        self.interval = interval
        self.count = count
        self.moving = moving
        self.texture = texture
        self.quality = quality
    }

    func stop() { stopped.signal() }

    func run(_ io: NodeIO) throws {
        let rawFormat = format == .jpeg ? PixelFormat.bgr : format
        let bpp = rawFormat.bytesPerPixel ?? 3
        let size = width * height * bpp
        var staticPayload = texture ? FrameGeneratePlugin.texturedImage(width: width, height: height, bytesPerPixel: bpp)
            : FramePayload.make(count: size) { buffer in
                for i in 0..<size { buffer[i] = UInt8(truncatingIfNeeded: (i / bpp) % width * 255 / max(1, width)) }
            }
        if format == .jpeg {
            let raw = Frame(format: rawFormat, width: width, height: height, payload: staticPayload, timestamp: 0, sequence: 0)
            staticPayload = try JPEGFrameCodec().encode(raw, quality: quality).payload
        }
        var seq: UInt64 = 0
        let start = Clock.monotonicNanoseconds()
        while !stopped.isSet && !io.isStopping {
            if count > 0 && seq >= UInt64(count) { break }
            if interval > 0 {
                let due = start + Int64(seq) * interval
                let now = Clock.monotonicNanoseconds()
                if due > now && stopped.wait(timeout: Double(due - now) / 1e9) { break }
            }
            let payload: FramePayload
            if moving {
                let bar = Int(seq % UInt64(max(1, width / 8))) * 8
                payload = FramePayload.make(count: size) { buffer in
                    buffer.copyMemory(from: staticPayload.bytes)
                    for y in 0..<height {
                        let row = y * width * bpp
                        for x in bar..<min(width, bar + 8) {
                            for c in 0..<bpp { buffer[row + x * bpp + c] = 255 }
                        }
                    }
                }
            } else {
                payload = staticPayload
            }
            io.emit(Frame(format: format, width: width, height: height, payload: payload,
                          timestamp: Clock.wallNanoseconds(), sequence: seq, duration: interval))
            seq += 1
        }
    }
}

/// `frame.discard`: a sink that takes frames and throws them away, counting them, their
/// latency and gaps in their sequence numbers. Useful to measure a receiver.
public struct FrameDiscardPlugin: NodePlugin {
    public static let kind = "frame.discard"
    public static let summary = "Take frames and discard them, counting frames, gaps and latency"
    public static let role = NodeRole.sink
    public static let options: [OptionSpec] = [
        OptionSpec("delay", .duration, default: .duration(0), doc: "time to spend on each frame, to act as a slow consumer"),
    ]
    public static let defaultInputQueue = QueueSettings.live

    public static func accepts(_ options: NodeOptions) -> Set<MediaKind> { [.raw, .jpeg, .array] }

    public static func make(_ context: NodeContext) throws -> any Node {
        FrameDiscardNode(delay: context.options.duration("delay") ?? 0)
    }
}

final class FrameDiscardNode: SendableNode {
    let delay: Double
    init(delay: Double) { self.delay = delay }

    func run(_ io: NodeIO) throws {
        var lastSeq: UInt64?
        var lastArrival: Int64 = 0
        var maxGap: Int64 = 0
        while let frame = io.receive() {
            io.counters.countOut(bytes: frame.byteCount)
            let now = Clock.wallNanoseconds()
            io.counters.recordLatency(nanoseconds: now - frame.timestamp)
            // The longest wait between two frames, for watching a stream across a reload.
            if lastArrival > 0, now - lastArrival > maxGap {
                maxGap = now - lastArrival
                io.counters.set("max_gap_ms", Int(maxGap / 1_000_000))
            }
            lastArrival = now
            if let last = lastSeq, frame.sequence > last + 1 {
                // A peer may send any sequence number; clamp so a wild jump cannot overflow.
                io.counters.lost.add(Int(min(frame.sequence - last - 1, 1 << 30)), ordering: .relaxed)
            }
            lastSeq = frame.sequence
            if delay > 0 { Thread.sleep(forTimeInterval: delay) }
        }
    }
}
