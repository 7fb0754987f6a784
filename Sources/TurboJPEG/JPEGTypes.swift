/// Chroma subsampling of an encoded JPEG.
public enum JPEGSubsampling: String, Sendable, CaseIterable {
    case s444 = "444"
    case s422 = "422"
    case s420 = "420"
    case gray = "gray"
    case s440 = "440"
    case s411 = "411"
}

/// Pixel layouts the codec reads and writes. Names follow GStreamer's raw formats.
public enum JPEGPixelFormat: String, Sendable, CaseIterable {
    case bgr = "BGR"
    case rgb = "RGB"
    case bgra = "BGRA"
    case rgba = "RGBA"
    case bgrx = "BGRX"
    case rgbx = "RGBX"
    case gray8 = "GRAY8"
    /// Planar 4:2:0 YUV, as cameras and encoders produce it.
    case i420 = "I420"

    public var bytesPerPixel: Int {
        switch self {
        case .bgr, .rgb: return 3
        case .bgra, .rgba, .bgrx, .rgbx: return 4
        case .gray8: return 1
        case .i420: return 1
        }
    }

    /// Bytes in one tightly packed image of this format.
    public func imageSize(width: Int, height: Int) -> Int {
        if self == .i420 { return width * height + 2 * ((width + 1) / 2) * ((height + 1) / 2) }
        return width * height * bytesPerPixel
    }
}

/// What a JPEG's header says about it.
public struct JPEGHeader: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var subsampling: JPEGSubsampling?
    public var isGrayscale: Bool
}
