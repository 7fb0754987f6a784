internal import CTurboJPEG

/// Encodes images to baseline JPEG with libjpeg-turbo, the codec vidgear's simplejpeg wraps.
///
/// One encoder belongs to one thread at a time: libjpeg-turbo handles are not thread-safe.
public final class JPEGEncoder: @unchecked Sendable {
    // Safe to move between threads: the handle is only used by whoever owns the encoder, one
    // call at a time, and freed once in deinit.
    private let handle: tjhandle
    private var scratch: UnsafeMutablePointer<UInt8>?
    private var scratchSize = 0

    public init() throws(TurboJPEGError) {
        guard let h = tjInitCompress() else {
            throw TurboJPEGError(.encodeFailed, "could not create a JPEG encoder")
        }
        handle = h
    }

    deinit {
        if let scratch { tjFree(scratch) }
        tjDestroy(handle)
    }

    /// Encodes a tightly packed image and hands the JPEG bytes to `body` (valid only during the
    /// call, so the caller copies them into storage of the exact size).
    /// The corresponding C functions are `tjCompress2` and `tjCompressFromYUV`.
    public func encode<R>(_ pixels: UnsafeRawBufferPointer, width: Int, height: Int, format: JPEGPixelFormat,
                          quality: Int, subsampling: JPEGSubsampling = .s422, fastDCT: Bool = true,
                          _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard width > 0, height > 0, width <= 65500, height <= 65500 else {
            throw TurboJPEGError(.badInput, "cannot encode a \(width)x\(height) image")
        }
        let needed = format.imageSize(width: width, height: height)
        guard pixels.count >= needed, let src = pixels.baseAddress else {
            throw TurboJPEGError(.badInput, "\(format.rawValue) \(width)x\(height) needs \(needed) bytes, got \(pixels.count)")
        }
        let samp: Int32
        if format == .gray8 { samp = Int32(TJSAMP_GRAY.rawValue) } else {
            switch subsampling {
            case .s444: samp = Int32(TJSAMP_444.rawValue)
            case .s422: samp = Int32(TJSAMP_422.rawValue)
            case .s420: samp = Int32(TJSAMP_420.rawValue)
            case .gray: samp = Int32(TJSAMP_GRAY.rawValue)
            case .s440: samp = Int32(TJSAMP_440.rawValue)
            case .s411: samp = Int32(TJSAMP_411.rawValue)
            }
        }
        let bound = Int(tjBufSize(Int32(width), Int32(height), samp))
        if scratchSize < bound {
            if let scratch { tjFree(scratch) }
            scratch = tjAlloc(Int32(bound))
            scratchSize = scratch == nil ? 0 : bound
        }
        guard scratch != nil else { throw TurboJPEGError(.encodeFailed, "out of memory for a \(bound)-byte JPEG") }
        var out: UnsafeMutablePointer<UInt8>? = scratch
        var size: UInt = UInt(scratchSize)
        var flags = Int32(TJFLAG_NOREALLOC)
        if fastDCT { flags |= Int32(TJFLAG_FASTDCT) }
        let q = Int32(min(100, max(1, quality)))
        let src8 = src.assumingMemoryBound(to: UInt8.self)
        let rc: Int32
        if format == .i420 {
            rc = tjCompressFromYUV(handle, src8, Int32(width), 1, Int32(height), Int32(TJSAMP_420.rawValue), &out, &size, q, flags)
        } else {
            rc = tjCompress2(handle, src8, Int32(width), 0, Int32(height), JPEGEncoder.tjFormat(format), &out, &size, samp, q, flags)
        }
        guard rc == 0, let result = out else {
            throw TurboJPEGError(.encodeFailed, "JPEG encoding failed: \(String(cString: tjGetErrorStr2(handle)))")
        }
        return try body(UnsafeRawBufferPointer(start: result, count: Int(size)))
    }

    static func tjFormat(_ f: JPEGPixelFormat) -> Int32 {
        switch f {
        case .bgr: return Int32(TJPF_BGR.rawValue)
        case .rgb: return Int32(TJPF_RGB.rawValue)
        case .bgra: return Int32(TJPF_BGRA.rawValue)
        case .rgba: return Int32(TJPF_RGBA.rawValue)
        case .bgrx: return Int32(TJPF_BGRX.rawValue)
        case .rgbx: return Int32(TJPF_RGBX.rawValue)
        case .gray8: return Int32(TJPF_GRAY.rawValue)
        case .i420: return Int32(TJPF_GRAY.rawValue)
        }
    }
}
