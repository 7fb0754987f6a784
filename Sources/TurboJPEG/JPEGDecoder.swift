internal import CTurboJPEG

/// Decodes JPEG with libjpeg-turbo. Strict: a truncated or corrupt image is an error, not a
/// half-grey picture (simplejpeg's `strict=True`, which vidgear relies on).
///
/// One decoder belongs to one thread at a time.
public final class JPEGDecoder: @unchecked Sendable {
    // Safe to move between threads: the handle is used by one owner at a time and freed in deinit.
    private let handle: tjhandle
    /// Images larger than this many pixels are refused before any memory is allocated, so a
    /// hostile header cannot make us allocate gigabytes.
    public var maxPixels = 8192 * 8192

    public init() throws(TurboJPEGError) {
        guard let h = tjInitDecompress() else {
            throw TurboJPEGError(.decodeFailed, "could not create a JPEG decoder")
        }
        handle = h
    }

    deinit { tjDestroy(handle) }

    /// Reads the size and subsampling from a JPEG's header.
    /// The corresponding C function is `tjDecompressHeader3`.
    public func header(_ jpeg: UnsafeRawBufferPointer) throws(TurboJPEGError) -> JPEGHeader {
        guard jpeg.count >= 4, let base = jpeg.baseAddress,
              jpeg[0] == 0xFF, jpeg[1] == 0xD8 else {
            throw TurboJPEGError(.badInput, "not a JPEG image (no SOI marker)")
        }
        var w: Int32 = 0, h: Int32 = 0, samp: Int32 = 0, cs: Int32 = 0
        let rc = tjDecompressHeader3(handle, base.assumingMemoryBound(to: UInt8.self), UInt(jpeg.count), &w, &h, &samp, &cs)
        guard rc == 0 else {
            throw TurboJPEGError(.decodeFailed, "bad JPEG header: \(String(cString: tjGetErrorStr2(handle)))")
        }
        let s: JPEGSubsampling?
        switch samp {
        case Int32(TJSAMP_444.rawValue): s = .s444
        case Int32(TJSAMP_422.rawValue): s = .s422
        case Int32(TJSAMP_420.rawValue): s = .s420
        case Int32(TJSAMP_GRAY.rawValue): s = .gray
        case Int32(TJSAMP_440.rawValue): s = .s440
        case Int32(TJSAMP_411.rawValue): s = .s411
        default: s = nil
        }
        return JPEGHeader(width: Int(w), height: Int(h), subsampling: s, isGrayscale: samp == Int32(TJSAMP_GRAY.rawValue))
    }

    /// Decodes into `destination`, which must hold `format.imageSize(width:height:)` bytes.
    /// The corresponding C function is `tjDecompress2`.
    public func decode(_ jpeg: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer,
                       header: JPEGHeader, format: JPEGPixelFormat, fastDCT: Bool = false, fastUpsample: Bool = false) throws(TurboJPEGError) {
        guard format != .i420 else { throw TurboJPEGError(.unsupported, "decoding to I420 is not supported") }
        let needed = format.imageSize(width: header.width, height: header.height)
        guard destination.count >= needed, let dst = destination.baseAddress, let src = jpeg.baseAddress else {
            throw TurboJPEGError(.badInput, "destination too small for a \(header.width)x\(header.height) image")
        }
        var flags = Int32(TJFLAG_STOPONWARNING)
        if fastDCT { flags |= Int32(TJFLAG_FASTDCT) }
        if fastUpsample { flags |= Int32(TJFLAG_FASTUPSAMPLE) }
        let rc = tjDecompress2(handle, src.assumingMemoryBound(to: UInt8.self), UInt(jpeg.count),
                               dst.assumingMemoryBound(to: UInt8.self), Int32(header.width), 0, Int32(header.height),
                               JPEGEncoder.tjFormat(format), flags)
        guard rc == 0 else {
            throw TurboJPEGError(.decodeFailed, "corrupt JPEG: \(String(cString: tjGetErrorStr2(handle)))")
        }
    }

    /// Checks the header and size limit, then decodes into new storage made by `allocate`.
    public func decode<Storage>(_ jpeg: UnsafeRawBufferPointer, format: JPEGPixelFormat, fastDCT: Bool = false, fastUpsample: Bool = false,
                                allocate: (Int, (UnsafeMutableRawBufferPointer) throws -> Void) throws -> Storage) throws -> (Storage, JPEGHeader) {
        let h = try header(jpeg)
        guard h.width > 0, h.height > 0, h.width * h.height <= maxPixels else {
            throw TurboJPEGError(.tooLarge, "JPEG of \(h.width)x\(h.height) exceeds the \(maxPixels)-pixel limit")
        }
        let storage = try allocate(format.imageSize(width: h.width, height: h.height)) { buffer in
            try self.decode(jpeg, into: buffer, header: h, format: format, fastDCT: fastDCT, fastUpsample: fastUpsample)
        }
        return (storage, h)
    }
}
