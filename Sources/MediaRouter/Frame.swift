import Foundation

/// How the bytes of a frame are laid out.
///
/// Raw formats follow GStreamer's names (`BGR`, `GRAY8`, `I420`, ...), so a format can be
/// handed to a caps string unchanged. `JPEG` is a compressed still image per frame.
/// `ARRAY` carries any other numpy array a NetGear peer sends (a dtype and shape the router
/// passes along without interpreting).
public struct PixelFormat: Hashable, Sendable, CustomStringConvertible, Codable {
    public let name: String

    public init(_ name: String) { self.name = name.uppercased() }

    public static let bgr = PixelFormat("BGR")
    public static let rgb = PixelFormat("RGB")
    public static let bgra = PixelFormat("BGRA")
    public static let rgba = PixelFormat("RGBA")
    public static let bgrx = PixelFormat("BGRX")
    public static let rgbx = PixelFormat("RGBX")
    public static let gray8 = PixelFormat("GRAY8")
    public static let gray16le = PixelFormat("GRAY16_LE")
    public static let i420 = PixelFormat("I420")
    public static let nv12 = PixelFormat("NV12")
    public static let yuy2 = PixelFormat("YUY2")
    public static let jpeg = PixelFormat("JPEG")
    public static let array = PixelFormat("ARRAY")

    /// The raw formats a user may ask a capture node for.
    public static let rawFormats: [PixelFormat] = [.bgr, .rgb, .bgra, .rgba, .bgrx, .rgbx, .gray8, .gray16le, .i420, .nv12, .yuy2]

    public var description: String { name }

    public var isRaw: Bool { self != .jpeg && self != .array }

    /// The media kind, which is what edges are checked against.
    public var kind: MediaKind {
        switch self {
        case .jpeg: return .jpeg
        case .array: return .array
        default: return .raw
        }
    }

    /// Bytes per pixel for packed formats; nil for planar, compressed or unknown ones.
    public var bytesPerPixel: Int? {
        switch self {
        case .bgr, .rgb: return 3
        case .bgra, .rgba, .bgrx, .rgbx: return 4
        case .gray8: return 1
        case .gray16le, .yuy2: return 2
        default: return nil
        }
    }

    /// The number of bytes one frame of this format occupies, when it is fixed by the size.
    public func frameSize(width: Int, height: Int) -> Int? {
        if let bpp = bytesPerPixel { return width * height * bpp }
        switch self {
        case .i420:
            let cw = (width + 1) / 2, ch = (height + 1) / 2
            return width * height + 2 * cw * ch
        case .nv12:
            let cw = (width + 1) / 2, ch = (height + 1) / 2
            return width * height + 2 * cw * ch
        default: return nil
        }
    }
}

/// The kind of data that flows on an edge; validation checks that producers and consumers agree.
public enum MediaKind: String, Hashable, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// Uncompressed pixels.
    case raw
    /// JPEG images, one per frame.
    case jpeg
    /// A numpy array that is not a picture the router understands.
    case array

    public var description: String {
        switch self {
        case .raw: return "raw pixels"
        case .jpeg: return "JPEG frames"
        case .array: return "numpy arrays"
        }
    }
}

/// The bytes of a frame: immutable, reference-counted and shared by every consumer of a fan-out.
///
/// The storage is either owned by this object or borrowed from another owner (a GStreamer buffer,
/// a ZeroMQ message) that is kept alive until the last reference goes away.
public final class FramePayload: @unchecked Sendable {
    // Safe to share: the bytes are never written after init, and release runs once in deinit.
    public let baseAddress: UnsafeRawPointer
    public let count: Int
    private let release: (@Sendable () -> Void)?

    /// Takes ownership of bytes allocated with `UnsafeMutableRawPointer.allocate`.
    public init(adopting pointer: UnsafeMutableRawPointer, count: Int) {
        self.baseAddress = UnsafeRawPointer(pointer)
        self.count = count
        let address = UInt(bitPattern: pointer)
        self.release = { UnsafeMutableRawPointer(bitPattern: address)?.deallocate() }
    }

    /// Borrows bytes whose owner is released by `release` when the payload is freed.
    public init(borrowing pointer: UnsafeRawPointer, count: Int, release: @escaping @Sendable () -> Void) {
        self.baseAddress = pointer
        self.count = count
        self.release = release
    }

    /// Copies bytes into new storage.
    public convenience init(copying buffer: UnsafeRawBufferPointer) {
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(buffer.count, 1), alignment: 64)
        if let base = buffer.baseAddress, buffer.count > 0 { p.copyMemory(from: base, byteCount: buffer.count) }
        self.init(adopting: p, count: buffer.count)
    }

    public convenience init(copying bytes: [UInt8]) {
        self.init(copying: bytes.withUnsafeBytes { $0 })
    }

    public convenience init(copying data: Data) {
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(data.count, 1), alignment: 64)
        data.withUnsafeBytes { src in
            if let base = src.baseAddress, src.count > 0 { p.copyMemory(from: base, byteCount: src.count) }
        }
        self.init(adopting: p, count: data.count)
    }

    /// Allocates `count` bytes and lets `fill` write them once before the payload is shared.
    public static func make(count: Int, fill: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows -> FramePayload {
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 64)
        do {
            try fill(UnsafeMutableRawBufferPointer(start: p, count: count))
        } catch {
            p.deallocate()
            throw error
        }
        return FramePayload(adopting: p, count: count)
    }

    deinit { release?() }

    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: baseAddress, count: count) }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(bytes)
    }

    public var data: Data { Data(bytes) }
}

/// One video frame as it travels through a graph. Immutable and cheap to copy: the payload is shared.
public struct Frame: Sendable {
    public var format: PixelFormat
    public var width: Int
    public var height: Int
    public var payload: FramePayload
    /// Capture time on the wall clock (nanoseconds since the Unix epoch). Recorders time the
    /// stream from it; receivers measure latency against it.
    public var timestamp: Int64
    /// Position in its source's stream, counting from 0; gaps mean frames were lost upstream.
    public var sequence: UInt64
    /// The nominal time one frame covers (1/framerate) in nanoseconds, when the source knows
    /// it; 0 when unknown. Recorders use it for the stream's declared frame rate.
    public var duration: Int64
    /// Free-form JSON; NetGear carries it as `message`.
    public var metadata: JSONValue
    /// For `ARRAY` frames and exotic numpy layouts: numpy's dtype name and shape.
    public var arrayDType: String?
    public var arrayShape: [Int]?

    public init(format: PixelFormat, width: Int, height: Int, payload: FramePayload,
                timestamp: Int64, sequence: UInt64, duration: Int64 = 0, metadata: JSONValue = .null,
                arrayDType: String? = nil, arrayShape: [Int]? = nil) {
        self.format = format
        self.width = width
        self.height = height
        self.payload = payload
        self.timestamp = timestamp
        self.sequence = sequence
        self.duration = duration
        self.metadata = metadata
        self.arrayDType = arrayDType
        self.arrayShape = arrayShape
    }

    public var byteCount: Int { payload.count }
}

/// Wall-clock and monotonic time in nanoseconds.
public enum Clock {
    public static func wallNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    public static func monotonicNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
