import MediaRouter

/// Decodes JPEG frames on edges into nodes that need pixels, such as a NetGear receiver feeding
/// a window. Each converting thread gets its own decoder.
public struct JPEGToRawConverter: FrameConverter {
    public var from: MediaKind { .jpeg }
    public var to: MediaKind { .raw }

    public init() {}

    public func convert(_ frame: Frame) throws -> Frame {
        try ThreadCodec.current.decode(frame, to: .bgr)
    }
}
