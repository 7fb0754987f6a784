internal import CGStreamer
internal import CGStreamerShims

/// One frame pulled from an appsink, with its bytes mapped for reading in place.
///
/// The object owns the frame: `bytes` points into GStreamer's buffer (no copy) and stays valid
/// for as long as the object lives, even after the pipeline is gone. Keep the object as the
/// owner of the payload and let it go when the last consumer is done.
public final class VideoSample: @unchecked Sendable {
    // @unchecked Sendable: every stored property is immutable after init; the GstSample is
    // reference-counted atomically, the buffer is mapped read-only and never written, and
    // unmapping in deinit happens once, on whichever thread releases the last reference.

    private let sample: OpaquePointer
    private let buffer: UnsafeMutablePointer<GstBuffer>?
    /// GstMapInfo must stay at one address between map and unmap, so it lives on the heap.
    private let mapInfo: UnsafeMutablePointer<GstMapInfo>
    private let isMapped: Bool

    /// The frame's bytes, zero-copy. Valid while this object is alive.
    public let bytes: UnsafeRawBufferPointer
    /// Presentation time in nanoseconds, nil when the buffer has none.
    public let pts: Int64?
    /// Decoding time in nanoseconds, nil when the buffer has none.
    public let dts: Int64?
    /// Duration in nanoseconds, nil when the buffer has none.
    public let duration: Int64?
    /// Whether the frame can be decoded on its own (GStreamer's DELTA_UNIT flag is clear).
    /// Always true for raw video and JPEG.
    public let isKeyframe: Bool
    /// The sample's caps as GStreamer prints them.
    public let caps: String
    /// The parsed caps.
    public let parsedCaps: Caps
    /// The per-plane memory layout for raw video; nil for compressed formats.
    let layout: VideoLayout?

    /// Takes ownership of a sample returned by a pull (`transfer full`).
    init(owning sample: OpaquePointer) {
        self.sample = sample
        buffer = gst_sample_get_buffer(sample)
        mapInfo = .allocate(capacity: 1)
        mapInfo.initialize(to: GstMapInfo())
        if let buffer, gst_buffer_map(buffer, mapInfo, GST_MAP_READ) != 0 {
            isMapped = true
            bytes = UnsafeRawBufferPointer(start: mapInfo.pointee.data, count: Int(mapInfo.pointee.size))
        } else {
            isMapped = false
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
        }
        pts = buffer.flatMap { ClockTime.nanoseconds(CGStreamerShims_buffer_pts($0)) }
        dts = buffer.flatMap { ClockTime.nanoseconds(CGStreamerShims_buffer_dts($0)) }
        duration = buffer.flatMap { ClockTime.nanoseconds(CGStreamerShims_buffer_duration($0)) }
        isKeyframe = buffer.map { CGStreamerShims_buffer_is_delta_unit($0) == 0 } ?? false
        if let gstCaps = gst_sample_get_caps(sample) {
            parsedCaps = Caps(gstCaps)
            layout = VideoLayout(caps: gstCaps, buffer: buffer)
        } else {
            parsedCaps = .empty
            layout = nil
        }
        caps = parsedCaps.description
    }

    deinit {
        if isMapped, let buffer {
            gst_buffer_unmap(buffer, mapInfo)
        }
        mapInfo.deinitialize(count: 1)
        mapInfo.deallocate()
        gst_sample_unref(sample)
    }

    /// The number of bytes in the frame.
    public var count: Int { bytes.count }

    /// `BGR`, `RGB`, `GRAY8`, `I420`, … for raw video; `JPEG`, `H264`, … for compressed.
    public var format: String? { parsedCaps.format }

    /// Width in pixels, from the caps.
    public var width: Int? { parsedCaps.width }

    /// Height in pixels, from the caps.
    public var height: Int? { parsedCaps.height }

    /// Frames per second as a fraction; `0/1` for variable-rate streams.
    public var framerate: Fraction? { parsedCaps.framerate }
}
