internal import CGStreamer

/// Media capabilities ("caps"): a media type plus fields, e.g.
/// `video/x-raw, format=(string)BGR, width=(int)640, height=(int)480, framerate=(fraction)30/1`.
///
/// A value type: parsing copies everything out of GStreamer.
public struct Caps: Hashable, Sendable, CustomStringConvertible {
    /// One alternative of the caps: a media type and its fields.
    public struct Structure: Hashable, Sendable {
        /// The media type, e.g. `video/x-raw` or `image/jpeg`.
        public var name: String
        /// Every field as text: strings verbatim, others in GStreamer's serialization
        /// (`640`, `30/1`, `{ (string)BGR, (string)RGB }` for lists).
        public var fields: [String: String]
    }

    /// GStreamer's normalized text for these caps (`gst_caps_to_string`).
    public let description: String
    /// The alternatives, in order of preference. Empty for `ANY` and `EMPTY`.
    public let structures: [Structure]
    /// Whether the caps describe exactly one format (no ranges or lists).
    public let isFixed: Bool
    /// The first structure's `width`, when it is a plain integer.
    public let width: Int?
    /// The first structure's `height`, when it is a plain integer.
    public let height: Int?
    /// The first structure's `framerate`, when it is a plain fraction.
    public let framerate: Fraction?

    /// Parses caps text as gst-launch would (`video/x-raw,format=BGR,width=640`).
    ///
    /// - Throws: `.invalidCaps`. The corresponding C function is `gst_caps_from_string`.
    public init(_ string: String) throws {
        try GStreamer.initialize()
        guard !CapsText.hasStructureNameStartingWithDigit(string), let caps = gst_caps_from_string(string) else {
            throw GStreamerError(code: .invalidCaps, message: "invalid caps '\(string)'")
        }
        defer { gst_caps_unref(caps) }
        self.init(caps)
    }

    /// Copies a GstCaps the caller keeps ownership of.
    init(_ caps: UnsafeMutablePointer<GstCaps>) {
        description = String(consumingGString: gst_caps_to_string(caps)) ?? ""
        isFixed = gst_caps_is_fixed(caps) != 0
        var structures: [Structure] = []
        let count = gst_caps_is_any(caps) != 0 ? 0 : gst_caps_get_size(caps)
        for index in 0..<count {
            guard let structure = gst_caps_get_structure(caps, index) else { continue }
            structures.append(Structure(name: String(borrowingGString: gst_structure_get_name(structure)) ?? "",
                                        fields: StructureFields.read(structure)))
        }
        self.structures = structures
        var width: gint = 0, height: gint = 0, numerator: gint = 0, denominator: gint = 0
        let first = count > 0 ? gst_caps_get_structure(caps, 0) : nil
        self.width = first.flatMap { gst_structure_get_int($0, "width", &width) != 0 ? Int(width) : nil }
        self.height = first.flatMap { gst_structure_get_int($0, "height", &height) != 0 ? Int(height) : nil }
        self.framerate = first.flatMap {
            gst_structure_get_fraction($0, "framerate", &numerator, &denominator) != 0
                ? Fraction(Int(numerator), Int(denominator)) : nil
        }
    }

    /// Caps that match nothing, for samples that carry none.
    static let empty = Caps(description: "EMPTY", structures: [], isFixed: false, width: nil, height: nil, framerate: nil)

    private init(description: String, structures: [Structure], isFixed: Bool, width: Int?, height: Int?,
                 framerate: Fraction?) {
        self.description = description
        self.structures = structures
        self.isFixed = isFixed
        self.width = width
        self.height = height
        self.framerate = framerate
    }

    /// The first structure's media type (`video/x-raw`, `image/jpeg`), nil for ANY/EMPTY.
    public var mediaType: String? { structures.first?.name }

    /// The pixel or codec format: the `format` field of raw video (`BGR`, `I420`), otherwise
    /// derived from the media type (`image/jpeg` → `JPEG`, `video/x-h264` → `H264`).
    public var format: String? {
        guard let first = structures.first else { return nil }
        if first.name == "video/x-raw" || first.name == "audio/x-raw" {
            return first.fields["format"]
        }
        guard let subtype = first.name.split(separator: "/").last else { return nil }
        let codec = subtype.hasPrefix("x-") ? subtype.dropFirst(2) : subtype
        return codec.uppercased()
    }

    /// Whether `string` parses as caps. The corresponding C function is `gst_caps_from_string`.
    public static func isValid(_ string: String) -> Bool {
        guard (try? GStreamer.initialize()) != nil, !CapsText.hasStructureNameStartingWithDigit(string),
              let caps = gst_caps_from_string(string) else { return false }
        gst_caps_unref(caps)
        return true
    }

    /// Caps text for raw video: `video/x-raw,format=BGR,width=640,height=480,framerate=30/1`.
    /// A nil frame rate leaves it open, for sources that choose their own.
    public static func rawVideo(format: String, width: Int, height: Int, framerate: Fraction? = nil) -> String {
        var text = "video/x-raw,format=\(format),width=\(width),height=\(height)"
        if let framerate {
            text += ",framerate=\(framerate)"
        }
        return text
    }
}
