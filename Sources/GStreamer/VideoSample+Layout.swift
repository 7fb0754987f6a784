internal import CGStreamer
internal import CGStreamerShims

/// Where each plane of a raw video frame lies in the buffer. GStreamer pads rows (RGB and BGR
/// rows to a multiple of 4 bytes: 642 BGR pixels take 1928 bytes, not 1926), and producers
/// with a GstVideoMeta may use any stride, so consumers that expect packed rows must check.
struct VideoLayout: Hashable, Sendable {
    var strides: [Int]
    var offsets: [Int]
    var rowBytes: [Int]
    var rows: [Int]

    init?(caps: UnsafeMutablePointer<GstCaps>, buffer: UnsafeMutablePointer<GstBuffer>?) {
        var layout = CGStreamerShims_VideoLayout()
        guard CGStreamerShims_video_layout(caps, buffer, &layout) != 0 else { return nil }
        let planes = Int(layout.n_planes)
        func array<T>(_ tuple: (T, T, T, T), as convert: (T) -> Int) -> [Int] {
            Array([convert(tuple.0), convert(tuple.1), convert(tuple.2), convert(tuple.3)].prefix(planes))
        }
        strides = array(layout.stride) { Int($0) }
        offsets = array(layout.offset) { Int($0) }
        rowBytes = array(layout.row_bytes) { Int($0) }
        rows = array(layout.rows) { Int($0) }
    }

    /// No padding at the end of any row and no gap between planes: the frame is exactly the
    /// pixels, as simple consumers (OpenCV's default Mat, vidgear) expect.
    var isTightlyPacked: Bool {
        var expectedOffset = 0
        for plane in strides.indices {
            guard rowBytes[plane] > 0, strides[plane] == rowBytes[plane], offsets[plane] == expectedOffset else {
                return false
            }
            expectedOffset += strides[plane] * rows[plane]
        }
        return true
    }
}

extension VideoSample {
    /// The number of planes: 1 for packed formats (BGR, RGB, GRAY8, YUY2), 2 for NV12, 3 for
    /// I420; 0 for compressed formats.
    public var planeCount: Int { layout?.strides.count ?? 0 }

    /// Bytes from the start of one row of `plane` to the next (row length plus padding);
    /// nil for compressed formats or a plane that does not exist.
    public func stride(plane: Int) -> Int? {
        guard let layout, layout.strides.indices.contains(plane) else { return nil }
        return layout.strides[plane]
    }

    /// Where `plane` starts in `bytes`; nil for compressed formats or a plane that does not
    /// exist.
    public func offset(plane: Int) -> Int? {
        guard let layout, layout.offsets.indices.contains(plane) else { return nil }
        return layout.offsets[plane]
    }

    /// The bytes of pixel data in one row of `plane`, without padding.
    public func rowBytes(plane: Int) -> Int? {
        guard let layout, layout.rowBytes.indices.contains(plane), layout.rowBytes[plane] > 0 else { return nil }
        return layout.rowBytes[plane]
    }

    /// Whether rows carry no padding and planes follow each other without gaps, so the bytes
    /// can be handed to consumers that assume `width × bytes per pixel` rows. True for
    /// compressed formats, which have no rows.
    public var isTightlyPacked: Bool { layout?.isTightlyPacked ?? true }
}
