import Foundation
import MediaRouter
@testable import NetGear
import Testing
import TurboJPEG

@Suite("NetGear messages")
struct NetGearMessageTests {
    /// The bytes vidgear 0.3.x sends, captured from the real package (netgear-protocol.md §2.2).
    @Test func frameHeaderMatchesVidgearBytes() {
        let raw = NetGearMessage.frameHeader(port: nil, compression: nil, message: ["hello": [1, 2]], pattern: 0, dtype: "uint8", shape: [4, 6, 3])
        #expect(String(decoding: raw, as: UTF8.self) == #"{"terminate_flag": false, "compression": false, "message": {"hello": [1, 2]}, "pattern": "0", "dtype": "uint8", "shape": [4, 6, 3]}"#)
        let jpeg = NetGearMessage.frameHeader(port: nil, compression: JPEGLabel(colorspace: "BGR", fastDCT: true, fastUpsample: false),
                                              message: nil, pattern: 0, dtype: "", shape: [])
        #expect(String(decoding: jpeg, as: UTF8.self) == #"{"terminate_flag": false, "compression": {"dct": true, "ups": false, "colorspace": "BGR"}, "message": null, "pattern": "0", "dtype": "", "shape": ""}"#)
        let multi = NetGearMessage.frameHeader(port: "5566", compression: nil, message: nil, pattern: 1, dtype: "uint8", shape: [1])
        #expect(String(decoding: multi, as: UTF8.self).hasPrefix(#"{"port": "5566", "terminate_flag": false,"#))
        #expect(String(decoding: NetGearMessage.terminate(port: nil), as: UTF8.self) == #"{"terminate_flag": true}"#)
        #expect(String(decoding: NetGearMessage.terminate(port: 5566), as: UTF8.self) == #"{"terminate_flag": true, "port": 5566}"#)
        #expect(String(decoding: NetGearMessage.dataReply(port: "5614", data: nil), as: UTF8.self) == #"{"port": "5614", "return_type": "NoneType", "data": null}"#)
        #expect(String(decoding: NetGearMessage.plainReply(deviceID: "THRXZ514"), as: UTF8.self) == "Data received on device: THRXZ514 !")
    }

    /// The sender's fast path writes exactly what the general encoder writes.
    @Test func headerTemplateAndFastMessageMatchTheGeneralEncoder() {
        let frames = [
            Frame(format: .bgr, width: 64, height: 48, payload: FramePayload(copying: [0]), timestamp: 1_764_000_000_000_000_001, sequence: 7, duration: 33_333_333),
            Frame(format: .jpeg, width: 1280, height: 720, payload: FramePayload(copying: [0]), timestamp: 5, sequence: 0),
            Frame(format: PixelFormat("WEIRD\"NAME"), width: 1, height: 1, payload: FramePayload(copying: [0]), timestamp: 1, sequence: 1),
        ]
        for f in frames {
            var fast: [UInt8] = []
            NetGearMessage.appendCarriedInfo(of: f, to: &fast)
            #expect(fast == NetGearMessage.outgoingMessage(for: f, carryMetadata: true).pythonJSONBytes())
            for label in [nil, JPEGLabel(colorspace: "BGR", fastDCT: true, fastUpsample: false)] {
                for port: JSONValue? in [nil, "5566"] {
                    let layout = HeaderLayout(label: label, dtype: "uint8", shape: [48, 64, 3])
                    let t = NetGearMessage.HeaderTemplate(port: port, compression: label, pattern: 1, dtype: "uint8", shape: [48, 64, 3], layout: layout)
                    let message = NetGearMessage.outgoingMessage(for: f, carryMetadata: true)
                    let general = NetGearMessage.frameHeader(port: port, compression: label, message: message, pattern: 1, dtype: "uint8", shape: [48, 64, 3])
                    #expect(t.prefix + fast + t.suffix == general)
                }
            }
        }
    }

    @Test func metadataTravelsInMessageAndComesBack() {
        var frame = Frame(format: .bgr, width: 2, height: 1, payload: FramePayload(copying: [1, 2, 3, 4, 5, 6]),
                          timestamp: 1_764_000_000_123_456_789, sequence: 42, metadata: ["camera": "front"])
        let m = NetGearMessage.outgoingMessage(for: frame, carryMetadata: true)
        let back = NetGearMessage.incomingMessage(m)
        #expect(back.sequence == 42)
        #expect(back.timestamp == 1_764_000_000_123_456_789)
        #expect(back.format == .bgr)
        #expect(back.metadata == ["camera": "front"])
        frame.metadata = "just text"
        #expect(NetGearMessage.incomingMessage(NetGearMessage.outgoingMessage(for: frame, carryMetadata: true)).metadata == "just text")
        #expect(NetGearMessage.outgoingMessage(for: frame, carryMetadata: false) == "just text")
        // A vidgear peer's own message passes through untouched.
        #expect(NetGearMessage.incomingMessage(["i": 3]).metadata == ["i": 3])
        #expect(NetGearMessage.incomingMessage(["i": 3]).sequence == nil)
    }

    func parse(_ text: String) throws(MalformedReason) -> ReceivedHeader {
        let bytes = Array(text.utf8)
        do {
            return try bytes.withUnsafeBytes { b in try NetGearMessage.parseHeader(b) }
        } catch let e as MalformedReason {
            throw e
        } catch {
            throw .headerNotJSON
        }
    }

    @Test(arguments: [
        ("not json", MalformedReason.headerNotJSON),
        ("[1, 2]", .headerNotObject),
        (#"{"compression": false}"#, .missingKey),
        (#"{"terminate_flag": false}"#, .missingKey),
        (#"{"terminate_flag": false, "compression": false, "shape": [1]}"#, .missingKey),
        (#"{"terminate_flag": false, "compression": false, "dtype": "complex256", "shape": [1]}"#, .badDType),
        (#"{"terminate_flag": false, "compression": false, "dtype": "uint8", "shape": "x"}"#, .badShape),
        (#"{"terminate_flag": false, "compression": false, "dtype": "uint8", "shape": [-1, 2]}"#, .badShape),
        (#"{"terminate_flag": false, "compression": false, "dtype": "uint8", "shape": [1, 2, 3, 4, 5, 6, 7]}"#, .badShape),
        (#"{"terminate_flag": false, "compression": 5}"#, .missingKey),
    ])
    func malformedHeadersAreRefused(_ text: String, _ reason: MalformedReason) {
        #expect(throws: reason) { try parse(text) }
    }

    @Test func layoutsMapToPixelFormats() throws {
        func layout(_ dtype: String, _ shape: [Int], _ count: Int, _ carried: PixelFormat? = nil) throws(MalformedReason) -> (PixelFormat, Int, Int) {
            let h = ReceivedHeader(terminate: false, port: nil, jpeg: nil, dtype: dtype, shape: shape, message: nil)
            let l = try NetGearMessage.frameLayout(header: h, payloadCount: count, carriedFormat: carried, maxBytes: 1 << 30)
            return (l.format, l.width, l.height)
        }
        #expect(try layout("uint8", [480, 640, 3], 921_600) == (.bgr, 640, 480))
        #expect(try layout("uint8", [480, 640, 3], 921_600, .rgb) == (.rgb, 640, 480))
        #expect(try layout("uint8", [48, 64], 3072) == (.gray8, 64, 48))
        #expect(try layout("uint8", [72, 64], 4608, .i420) == (.i420, 64, 48))
        #expect(try layout("uint16", [48, 64], 6144) == (.gray16le, 64, 48))
        #expect(try layout("float32", [10], 40).0 == .array)
        // A peer's I420 label is taken only when the bytes are that layout's size: 3x2 I420
        // needs 10 bytes, not the 9 of a 3x3 array (a consumer would read past the end).
        #expect(try layout("uint8", [3, 3], 9, .i420) == (.gray8, 3, 3))
        #expect(try layout("uint8", [6, 4], 24, .nv12) == (.nv12, 4, 4))
        #expect(throws: MalformedReason.sizeMismatch) { try layout("uint8", [480, 640, 3], 100) }
        #expect(throws: MalformedReason.tooLarge) { try layout("float64", [1 << 20, 1 << 20, 1 << 20], 8) }
    }

    @Test func truncatedJPEGIsRefused() throws {
        let encoder = try JPEGEncoder()
        let pixels = [UInt8](repeating: 100, count: 64 * 48 * 3)
        let jpeg = try pixels.withUnsafeBytes { try encoder.encode($0, width: 64, height: 48, format: .bgr, quality: 80) { Array($0) } }
        let decoder = try JPEGDecoder()
        let ok = try jpeg.withUnsafeBytes { try NetGearMessage.checkJPEG($0, decoder: decoder, maxPixels: 1 << 24) }
        #expect(ok.width == 64 && ok.height == 48)
        let cut = Array(jpeg.prefix(jpeg.count - 40))
        #expect(throws: MalformedReason.badJPEG) { try cut.withUnsafeBytes { try NetGearMessage.checkJPEG($0, decoder: decoder, maxPixels: 1 << 24) } }
        let garbage: [UInt8] = [0xFF, 0xD8] + Array(repeating: 7, count: 100) + [0xFF, 0xD9]
        #expect(throws: MalformedReason.badJPEG) { try garbage.withUnsafeBytes { try NetGearMessage.checkJPEG($0, decoder: decoder, maxPixels: 1 << 24) } }
    }
}

@Suite("NetGear options")
struct NetGearOptionTests {
    func errors(_ node: String) -> [Diagnostic] {
        let yaml = "nodes:\n  src: {kind: frame.generate}\n  out:\n    kind: netgear.send\n    input: src\n" + node.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n") + "\n"
        return GraphLoader(registry: registry).load(text: yaml, file: "g.yaml").diagnostics.errors
    }

    @Test func vidgearRejectionsAreLocatedErrors() {
        #expect(errors("pattern: 0\nmultiserver_mode: true\nport: 5566").first?.message.contains("multiserver_mode needs pattern 1 or 2") == true)
        #expect(errors("pattern: 2\nbidirectional_mode: true").first?.message.contains("bidirectional_mode needs pattern 0 or 1") == true)
        #expect(errors("pattern: 1\nmultiserver_mode: true\nmulticlient_mode: true\nport: [1, 2]").contains { $0.message.contains("cannot both be on") })
        #expect(errors("pattern: 1\nmulticlient_mode: true\nport: 5566").first?.message.contains("needs 'port' to be a list") == true)
        #expect(errors("port: [5566, 5567]").first?.message.contains("only multiclient_mode accepts") == true)
        #expect(errors("ssh_tunnel_mode: user@host").first?.message.contains("not supported") == true)
        #expect(errors("bind: tcp://*:5454\naddress: 10.0.0.1").first?.message.contains("cannot be combined") == true)
        #expect(errors("protocol: ipc").first?.message.contains("ipc needs the same explicit 'address'") == true)
        let threads = errors("jpeg_compression: false\njpeg_threads: 2")
        #expect(threads.first?.message.contains("jpeg_threads encodes frames for jpeg_compression, which is off") == true)
        #expect(threads.first?.location.line == 7)
        #expect(errors("jpeg_threads: 2").isEmpty)
        #expect(errors("jpeg_threads: 65").first?.message.contains("jpeg_threads") == true)
        #expect(errors("jpeg_compression_quality: 5").first?.message.contains("out of range") == true)
        #expect(errors("request_timeout: 2").first?.message.contains("out of range") == true)
        #expect(errors("pattern: pubsub\nsecure_mode: stonehouse\nbind: tcp://*:5454").isEmpty)
        #expect(errors("pattern: 7").first?.message.contains("is not one of 0, 1, 2") == true)
        #expect(errors("bind: localhost:5454").first?.message.contains("is not a ZeroMQ endpoint") == true)
    }

    @Test func errorPointsAtTheOption() {
        let d = errors("pattern: 2\nbidirectional_mode: true").first
        #expect(d?.location.line == 7)
        #expect(d?.location.column == 25)
    }
}
