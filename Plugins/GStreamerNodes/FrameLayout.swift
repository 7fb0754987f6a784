import GStreamer
import MediaRouter

/// Where the planes of a raw frame lie. Frames in the graph are tightly packed (what OpenCV and
/// vidgear expect); GStreamer pads rows to 4 bytes and rounds plane offsets, so the two differ
/// for some widths and heights and a frame must then be copied row by row.
struct FrameLayout: Equatable, Sendable {
    struct Plane: Equatable, Sendable {
        var offset: Int
        var stride: Int
        var rowBytes: Int
        var rows: Int
    }

    var planes: [Plane]
    var size: Int

    /// The graph's layout: rows back to back, planes back to back.
    static func tight(_ format: PixelFormat, width w: Int, height h: Int) -> FrameLayout? {
        let cw = (w + 1) / 2, ch = (h + 1) / 2
        if let bpp = format.bytesPerPixel {
            return FrameLayout(planes: [Plane(offset: 0, stride: w * bpp, rowBytes: w * bpp, rows: h)], size: w * h * bpp)
        }
        switch format {
        case .i420:
            return FrameLayout(planes: [Plane(offset: 0, stride: w, rowBytes: w, rows: h),
                                        Plane(offset: w * h, stride: cw, rowBytes: cw, rows: ch),
                                        Plane(offset: w * h + cw * ch, stride: cw, rowBytes: cw, rows: ch)],
                               size: w * h + 2 * cw * ch)
        case .nv12:
            return FrameLayout(planes: [Plane(offset: 0, stride: w, rowBytes: w, rows: h),
                                        Plane(offset: w * h, stride: 2 * cw, rowBytes: 2 * cw, rows: ch)],
                               size: w * h + 2 * cw * ch)
        default:
            return nil
        }
    }

    /// GStreamer's default layout for a buffer without video meta (gst_video_info_set_format).
    static func gstreamer(_ format: PixelFormat, width w: Int, height h: Int) -> FrameLayout? {
        func up4(_ x: Int) -> Int { (x + 3) & ~3 }
        func up2(_ x: Int) -> Int { (x + 1) & ~1 }
        let cw = (w + 1) / 2, ch = (h + 1) / 2
        if let bpp = format.bytesPerPixel {
            let stride = up4(w * bpp)
            return FrameLayout(planes: [Plane(offset: 0, stride: stride, rowBytes: w * bpp, rows: h)], size: stride * h)
        }
        switch format {
        case .i420:
            let s0 = up4(w), s1 = up4(up2(w) / 2)
            let o1 = s0 * up2(h), o2 = o1 + s1 * (up2(h) / 2)
            return FrameLayout(planes: [Plane(offset: 0, stride: s0, rowBytes: w, rows: h),
                                        Plane(offset: o1, stride: s1, rowBytes: cw, rows: ch),
                                        Plane(offset: o2, stride: s1, rowBytes: cw, rows: ch)],
                               size: o2 + s1 * (up2(h) / 2))
        case .nv12:
            let s0 = up4(w), o1 = s0 * up2(h)
            return FrameLayout(planes: [Plane(offset: 0, stride: s0, rowBytes: w, rows: h),
                                        Plane(offset: o1, stride: s0, rowBytes: 2 * cw, rows: ch)],
                               size: o1 + s0 * (up2(h) / 2))
        default:
            return nil
        }
    }

    /// The layout of a pulled sample, with row counts from the format (the sample knows strides
    /// and offsets but not how many rows each plane has).
    static func of(_ sample: VideoSample, format: PixelFormat, width: Int, height: Int) -> FrameLayout? {
        guard let tight = tight(format, width: width, height: height), sample.planeCount == tight.planes.count else { return nil }
        var planes: [Plane] = []
        for (i, t) in tight.planes.enumerated() {
            guard let offset = sample.offset(plane: i), let stride = sample.stride(plane: i) else { return nil }
            planes.append(Plane(offset: offset, stride: stride, rowBytes: t.rowBytes, rows: t.rows))
        }
        return FrameLayout(planes: planes, size: sample.count)
    }

    /// A pulled sample's bytes as a frame payload with tightly packed rows: the sample's own
    /// memory when its rows already are (zero copy: the payload keeps the mapped GstBuffer
    /// alive), else one row-by-row copy. Formats without a tight layout (JPEG, ...) are taken
    /// whole. Nil for a sample that cannot be read.
    static func payload(of sample: VideoSample, format: PixelFormat, width: Int, height: Int) -> FramePayload? {
        guard let base = sample.bytes.baseAddress else { return nil }
        guard let tight = tight(format, width: width, height: height) else {
            return FramePayload(borrowing: base, count: sample.count) { _ = sample }
        }
        guard let layout = of(sample, format: format, width: width, height: height) else { return nil }
        if layout.sameRows(as: tight), sample.count >= tight.size {
            return FramePayload(borrowing: base, count: tight.size) { _ = sample }
        }
        return FramePayload.make(count: tight.size) { layout.copy(sample.bytes, to: $0, as: tight) }
    }

    /// Whether the bytes of one layout can be read as the other without copying.
    func sameRows(as other: FrameLayout) -> Bool {
        planes.count == other.planes.count && zip(planes, other.planes).allSatisfy { $0.offset == $1.offset && $0.stride == $1.stride }
    }

    /// Copies `source` laid out as `self` into `destination` laid out as `target`, row by row.
    func copy(_ source: UnsafeRawBufferPointer, to destination: UnsafeMutableRawBufferPointer, as target: FrameLayout) {
        guard let src = source.baseAddress, let dst = destination.baseAddress else { return }
        for (from, to) in zip(planes, target.planes) {
            let bytes = min(from.rowBytes, to.rowBytes)
            for row in 0..<min(from.rows, to.rows) {
                let s = from.offset + row * from.stride, d = to.offset + row * to.stride
                guard s + bytes <= source.count, d + bytes <= destination.count else { return }
                (dst + d).copyMemory(from: src + s, byteCount: bytes)
            }
        }
    }
}
