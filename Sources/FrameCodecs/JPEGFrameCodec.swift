import MediaRouter
import TurboJPEG

/// Turns frames into JPEG frames and back. Keeps one libjpeg-turbo handle per instance, so each
/// node thread owns its own codec (not Sendable: the handles are made lazily, by their user).
/// Shared by the plugins that encode or decode (FrameNodes, NetGear), which must not depend on
/// one another.
public final class JPEGFrameCodec {
    private var encoder: JPEGEncoder?
    private var decoder: JPEGDecoder?

    public init() {}

    public static func jpegFormat(for format: PixelFormat) -> JPEGPixelFormat? {
        switch format {
        case .bgr: return .bgr
        case .rgb: return .rgb
        case .bgra: return .bgra
        case .rgba: return .rgba
        case .bgrx: return .bgrx
        case .rgbx: return .rgbx
        case .gray8: return .gray8
        case .i420: return .i420
        default: return nil
        }
    }

    /// Encodes a raw frame; a frame that is already JPEG is returned untouched.
    public func encode(_ frame: Frame, quality: Int, subsampling: JPEGSubsampling = .s422, fastDCT: Bool = true) throws -> Frame {
        if frame.format == .jpeg { return frame }
        guard let jf = JPEGFrameCodec.jpegFormat(for: frame.format) else {
            throw RouterError(.unsupported, "cannot JPEG-encode \(frame.format) frames; convert to BGR, RGB, GRAY8 or I420 first")
        }
        let expected = jf.imageSize(width: frame.width, height: frame.height)
        guard frame.payload.count >= expected else {
            throw RouterError(.badInput, "\(frame.format) \(frame.width)x\(frame.height) frame has \(frame.payload.count) bytes, expected \(expected)")
        }
        if encoder == nil { encoder = try JPEGEncoder() }
        let payload = try encoder!.encode(frame.payload.bytes, width: frame.width, height: frame.height, format: jf,
                                          quality: quality, subsampling: subsampling, fastDCT: fastDCT) { jpeg in
            FramePayload(copying: jpeg)
        }
        var out = frame
        out.format = .jpeg
        out.payload = payload
        return out
    }

    /// Decodes a JPEG frame into `format`; raw frames are returned untouched.
    public func decode(_ frame: Frame, to format: PixelFormat = .bgr, fastDCT: Bool = false, fastUpsample: Bool = false) throws -> Frame {
        guard frame.format == .jpeg else { return frame }
        guard let jf = JPEGFrameCodec.jpegFormat(for: format), jf != .i420 else {
            throw RouterError(.unsupported, "cannot decode JPEG into \(format)")
        }
        if decoder == nil { decoder = try JPEGDecoder() }
        let (payload, header) = try decoder!.decode(frame.payload.bytes, format: jf, fastDCT: fastDCT, fastUpsample: fastUpsample) { size, fill in
            try FramePayload.make(count: size) { try fill($0) }
        }
        var out = frame
        out.format = format
        out.width = header.width
        out.height = header.height
        out.payload = payload
        return out
    }

    /// Reads width and height from a JPEG frame's header.
    public func header(_ frame: Frame) throws -> JPEGHeader {
        if decoder == nil { decoder = try JPEGDecoder() }
        return try decoder!.header(frame.payload.bytes)
    }
}
