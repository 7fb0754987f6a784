import FrameCodecs
import MediaRouter
import TurboJPEG

/// vidgear NetGear's message layouts (netgear-protocol.md §2): building what a Python peer
/// expects byte for byte, and checking what any peer sends before trusting it.
enum NetGearMessage {
    /// The key under `message` that carries our frame sequence and capture time.
    static let metadataKey = "media_router"

    /// Builds the JSON header of a frame message, with keys in vidgear's order.
    static func frameHeader(port: JSONValue?, compression: JPEGLabel?, message: JSONValue, pattern: Int,
                            dtype: String, shape: [Int]) -> [UInt8] {
        var pairs: [(String, JSONValue)] = []
        if let port { pairs.append(("port", port)) }
        pairs.append(("terminate_flag", false))
        if let c = compression {
            pairs.append(("compression", .object([("dct", .bool(c.fastDCT)), ("ups", .bool(c.fastUpsample)), ("colorspace", .string(c.colorspace))])))
        } else {
            pairs.append(("compression", false))
        }
        pairs.append(("message", message))
        pairs.append(("pattern", .string(String(pattern))))
        if compression != nil {
            pairs.append(("dtype", ""))
            pairs.append(("shape", ""))
        } else {
            pairs.append(("dtype", .string(dtype)))
            pairs.append(("shape", .array(shape.map { .int(Int64($0)) })))
        }
        return JSONValue.object(pairs).pythonJSONBytes()
    }

    /// A frame header split around its `message` value, for one layout of frames: the sender
    /// writes the parts around it once and only the message per frame.
    struct HeaderTemplate {
        var prefix: [UInt8]
        var suffix: [UInt8]
        var layout: HeaderLayout

        init(port: JSONValue?, compression: JPEGLabel?, pattern: Int, dtype: String, shape: [Int], layout: HeaderLayout) {
            let whole = NetGearMessage.frameHeader(port: port, compression: compression, message: .null, pattern: pattern,
                                                   dtype: dtype, shape: shape)
            // Keys come in a fixed order and "message" holds null, so the split is exact.
            let marker = Array(#""message": null"#.utf8)
            var at = 0
            for i in 0...(whole.count - marker.count) where Array(whole[i..<(i + marker.count)]) == marker {
                at = i
                break
            }
            prefix = Array(whole[..<(at + marker.count - 4)])
            suffix = Array(whole[(at + marker.count)...])
            self.layout = layout
        }
    }

    /// Writes `{"media_router": {...}}` for a frame without metadata of its own; the bytes equal
    /// `outgoingMessage(for:carryMetadata: true).pythonJSONBytes()`.
    static func appendCarriedInfo(of frame: Frame, to out: inout [UInt8]) {
        // The format name may have come from a peer: escape it like any JSON string.
        var text = "{\"\(metadataKey)\": {\"seq\": \(Int64(bitPattern: frame.sequence)), \"ts\": \(frame.timestamp), \"fmt\": "
            + JSONValue.string(frame.format.name).pythonJSONString()
        if frame.duration > 0 { text += ", \"dur\": \(frame.duration)" }
        if frame.format == .jpeg || frame.format == .array || frame.format.bytesPerPixel == nil {
            text += ", \"w\": \(frame.width), \"h\": \(frame.height)"
        }
        text += "}}"
        out.append(contentsOf: text.utf8)
    }

    /// The one-part message that ends a stream.
    static func terminate(port: JSONValue?) -> [UInt8] {
        var pairs: [(String, JSONValue)] = [("terminate_flag", true)]
        if let port { pairs.append(("port", port)) }
        return JSONValue.object(pairs).pythonJSONBytes()
    }

    /// What vidgear's receiver says after each frame in plain mode.
    static func plainReply(deviceID: String) -> [UInt8] { Array("Data received on device: \(deviceID) !".utf8) }

    static let terminateReply = Array("Termination signal successfully received at Client's end!".utf8)

    /// The JSON reply of bidirectional and multi-client modes.
    static func dataReply(port: JSONValue?, data: JSONValue) -> [UInt8] {
        var pairs: [(String, JSONValue)] = []
        if let port { pairs.append(("port", port)) }
        pairs.append(("return_type", .string(data.pythonTypeName)))
        pairs.append(("data", data))
        return JSONValue.object(pairs).pythonJSONBytes()
    }

    /// vidgear's random device id: 8 characters from A-Z and 0-9.
    static func randomDeviceID() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        return String((0..<8).map { _ in alphabet.randomElement()! })
    }

    /// Wraps frame metadata into `message` with our sequence number and capture time.
    static func outgoingMessage(for frame: Frame, carryMetadata: Bool) -> JSONValue {
        guard carryMetadata else { return frame.metadata }
        var info: [(String, JSONValue)] = [("seq", .int(Int64(bitPattern: frame.sequence))), ("ts", .int(frame.timestamp)),
                                           ("fmt", .string(frame.format.name))]
        if frame.duration > 0 { info.append(("dur", .int(frame.duration))) }
        if frame.format == .jpeg || frame.format == .array || frame.format.bytesPerPixel == nil {
            info.append(("w", .int(Int64(frame.width))))
            info.append(("h", .int(Int64(frame.height))))
        }
        switch frame.metadata {
        case .null:
            return .object([(metadataKey, .object(info))])
        case .object(let pairs):
            return .object([(metadataKey, .object(info))] + pairs.filter { $0.0 != metadataKey })
        default:
            return .object([(metadataKey, .object(info)), ("message", frame.metadata)])
        }
    }

    struct CarriedInfo {
        var sequence: UInt64?
        var timestamp: Int64?
        var duration: Int64 = 0
        var format: PixelFormat?
        var metadata: JSONValue
    }

    /// Takes our info back out of a received `message`, restoring the sender's own metadata.
    static func incomingMessage(_ message: JSONValue?) -> CarriedInfo {
        guard let message else { return CarriedInfo(metadata: .null) }
        guard case .object(let pairs) = message, let info = message[metadataKey], case .object = info else {
            return CarriedInfo(metadata: message)
        }
        let rest = pairs.filter { $0.0 != metadataKey }
        var metadata: JSONValue = rest.isEmpty ? .null : .object(rest)
        if rest.count == 1, rest[0].0 == "message" { metadata = rest[0].1 }
        var seq: UInt64?
        if let s = info["seq"]?.intValue, s >= 0 { seq = UInt64(s) }
        let fmt = info["fmt"]?.stringValue.flatMap { $0.count <= 16 ? PixelFormat($0) : nil }
        let duration = info["dur"]?.intValue.map { max(0, min($0, 60_000_000_000)) } ?? 0
        return CarriedInfo(sequence: seq, timestamp: info["ts"]?.intValue, duration: duration, format: fmt, metadata: metadata)
    }
}

/// What makes two frames' headers identical apart from their message.
struct HeaderLayout: Equatable {
    var label: JPEGLabel?
    var dtype: String
    var shape: [Int]
}

/// The `compression` label of a JPEG frame: the layout the receiver should decode into and the
/// decoder speed flags.
struct JPEGLabel: Equatable {
    var colorspace: String
    var fastDCT: Bool
    var fastUpsample: Bool
}

/// numpy dtypes a peer may send, with their item sizes.
enum NumpyDType {
    static let itemSizes: [String: Int] = [
        "uint8": 1, "int8": 1, "bool": 1, "uint16": 2, "int16": 2, "float16": 2, "uint32": 4, "int32": 4,
        "float32": 4, "uint64": 8, "int64": 8, "float64": 8,
    ]

    /// Item size of a dtype name such as "uint8" or "<u2"; nil for unknown or non-native ones.
    static func itemSize(_ name: String) -> Int? {
        if let s = itemSizes[name] { return s }
        // numpy's short forms: "<u2", "|u1", "=f4"; big-endian data is refused.
        let chars = Array(name)
        guard chars.count >= 3, "<|=".contains(chars[0]), "uif".contains(chars[1]) || chars[1] == "b",
              let n = Int(String(chars[2...])), [1, 2, 4, 8].contains(n) else { return nil }
        return n
    }
}

/// Why a message from a peer was refused; each is counted under its name.
enum MalformedReason: String, Error, CustomStringConvertible {
    case partCount = "wrong_part_count"
    case headerNotJSON = "bad_json"
    case headerNotObject = "header_not_object"
    case missingKey = "missing_key"
    case badDType = "unknown_dtype"
    case badShape = "bad_shape"
    case sizeMismatch = "size_mismatch"
    case badJPEG = "bad_jpeg"
    case tooLarge = "too_large"

    var description: String {
        switch self {
        case .partCount: return "wrong number of message parts"
        case .headerNotJSON: return "header is not valid JSON"
        case .headerNotObject: return "header is not a JSON object"
        case .missingKey: return "header lacks a required key"
        case .badDType: return "unknown or unsupported dtype"
        case .badShape: return "shape is not a list of sizes"
        case .sizeMismatch: return "shape and dtype disagree with the byte count"
        case .badJPEG: return "JPEG is corrupt or truncated"
        case .tooLarge: return "frame exceeds the size limit"
        }
    }
}

/// A received frame header, checked.
struct ReceivedHeader {
    var terminate: Bool
    var port: JSONValue?
    var jpeg: JPEGLabel?
    var dtype: String
    var shape: [Int]
    var message: JSONValue?
}

extension NetGearMessage {
    /// Parses and checks a header; throws `MalformedReason` for anything a well-behaved peer
    /// would not send.
    static func parseHeader(_ bytes: UnsafeRawBufferPointer) throws(MalformedReason) -> ReceivedHeader {
        guard bytes.count <= 1 << 20 else { throw .tooLarge }
        let json: JSONValue
        do { json = try JSONValue.parse(bytes, maxDepth: 32) } catch { throw .headerNotJSON }
        guard case .object = json else { throw .headerNotObject }
        guard let term = json["terminate_flag"] else { throw .missingKey }
        let port = json["port"]
        if term.isTruthy {
            return ReceivedHeader(terminate: true, port: port, jpeg: nil, dtype: "", shape: [], message: json["message"])
        }
        guard let compression = json["compression"] else { throw .missingKey }
        var label: JPEGLabel?
        var dtype = ""
        var shape: [Int] = []
        if compression.isTruthy {
            guard case .object = compression else { throw .missingKey }
            let cs = compression["colorspace"]?.stringValue ?? "BGR"
            guard cs.count <= 8 else { throw .missingKey }
            label = JPEGLabel(colorspace: cs.uppercased(), fastDCT: compression["dct"]?.isTruthy ?? false,
                              fastUpsample: compression["ups"]?.isTruthy ?? false)
        } else {
            guard let d = json["dtype"]?.stringValue else { throw .missingKey }
            guard NumpyDType.itemSize(d) != nil else { throw .badDType }
            guard let s = json["shape"]?.arrayValue, (1...6).contains(s.count) else { throw .badShape }
            for v in s {
                guard let n = v.intValue, n >= 0, n <= 1 << 20 else { throw .badShape }
                shape.append(Int(n))
            }
            dtype = d
        }
        return ReceivedHeader(terminate: false, port: port, jpeg: label, dtype: dtype, shape: shape, message: json["message"])
    }

    /// Checks that the bytes agree with the header and works out the frame's format and size.
    static func frameLayout(header: ReceivedHeader, payloadCount: Int, carriedFormat: PixelFormat?,
                            maxBytes: Int) throws(MalformedReason) -> (format: PixelFormat, width: Int, height: Int) {
        guard payloadCount <= maxBytes else { throw .tooLarge }
        let item = NumpyDType.itemSize(header.dtype) ?? 0
        var total = item
        for n in header.shape {
            let (p, overflow) = total.multipliedReportingOverflow(by: n)
            guard !overflow, p <= maxBytes else { throw .tooLarge }
            total = p
        }
        guard total == payloadCount else { throw .sizeMismatch }
        let s = header.shape
        let u8 = header.dtype == "uint8" || header.dtype == "|u1" || header.dtype == "<u1"
        if u8 && s.count == 3 && s[2] == 3 {
            return (carriedFormat == .rgb ? .rgb : .bgr, s[1], s[0])
        }
        if u8 && s.count == 3 && s[2] == 4 {
            let f: PixelFormat = [.rgba, .bgrx, .rgbx].contains(carriedFormat ?? .bgra) ? carriedFormat! : .bgra
            return (f, s[1], s[0])
        }
        if u8 && (s.count == 2 || (s.count == 3 && s[2] == 1)) {
            // Planar YUV only when the bytes are exactly that layout's size: a peer's label is
            // not trusted, and a consumer reading a short I420 buffer would run past its end.
            if let yuv = carriedFormat, yuv == .i420 || yuv == .nv12, s[0] % 3 == 0,
               yuv.frameSize(width: s[1], height: s[0] * 2 / 3) == payloadCount {
                return (yuv, s[1], s[0] * 2 / 3)
            }
            return (.gray8, s[1], s[0])
        }
        if (header.dtype == "uint16" || header.dtype == "<u2") && s.count == 2 {
            return (.gray16le, s[1], s[0])
        }
        return (.array, s.count >= 2 ? s[1] : (s.first ?? 0), s.count >= 2 ? s[0] : 1)
    }

    /// numpy's dtype and shape for a frame we send.
    static func arrayLayout(of frame: Frame) -> (dtype: String, shape: [Int])? {
        switch frame.format {
        case .bgr, .rgb: return ("uint8", [frame.height, frame.width, 3])
        case .bgra, .rgba, .bgrx, .rgbx: return ("uint8", [frame.height, frame.width, 4])
        case .gray8: return ("uint8", [frame.height, frame.width])
        case .gray16le: return ("uint16", [frame.height, frame.width])
        case .i420, .nv12: return ("uint8", [frame.height * 3 / 2, frame.width])
        case .yuy2: return ("uint8", [frame.height, frame.width, 2])
        case .array:
            guard let d = frame.arrayDType, let s = frame.arrayShape else { return nil }
            return (d, s)
        default: return nil
        }
    }

    /// A JPEG is trusted only with a start marker, a readable header and an end marker, so a
    /// truncated image is refused here rather than failing later in some consumer.
    static func checkJPEG(_ bytes: UnsafeRawBufferPointer, decoder: JPEGDecoder, maxPixels: Int) throws(MalformedReason) -> JPEGHeader {
        guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { throw .badJPEG }
        var end = bytes.count
        // Some encoders pad after the end marker.
        while end > 2 && bytes[end - 1] == 0 && bytes.count - end < 16 { end -= 1 }
        guard bytes[end - 2] == 0xFF, bytes[end - 1] == 0xD9 else { throw .badJPEG }
        let h: JPEGHeader
        do { h = try decoder.header(bytes) } catch { throw .badJPEG }
        guard h.width > 0, h.height > 0 else { throw .badJPEG }
        guard h.width * h.height <= maxPixels else { throw .tooLarge }
        return h
    }
}
