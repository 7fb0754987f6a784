@testable import ControlPlane
import Foundation
import MediaRouter
import Testing

@Suite("Graph picture")
struct GraphDrawingTests {
    @Test func graphvizDrawsEveryNodeAndEdgeWithLiveFigures() async throws {
        let s = MetricsExporterTests.snapshot(frames: 10)
        let dot = GraphDrawing.dot(s, rates: ["cam": 29.97])
        #expect(dot.contains("29.9") || dot.contains("30.0"))
        #expect(dot.contains("\"cam\" -> \"net \\\"x\\\"\""))
        let svg = try await GraphDrawing.svg(dot)
        #expect(svg.contains("<svg"))
        #expect(svg.contains("node-cam"))
        #expect(svg.contains("net &quot;x&quot;") || svg.contains("net \"x\""))
        #expect(svg.contains("2/4 · 7 dropped"))
        #expect(svg.contains("1 peer") && !svg.contains("1 peers"))
    }
}

@Suite("Preview images")
struct PreviewEncoderTests {
    static func bgrFrame(width: Int, height: Int, shade: UInt8) -> Frame {
        let bytes = [UInt8](repeating: shade, count: width * height * 3)
        return Frame(format: .bgr, width: width, height: height, payload: FramePayload(copying: bytes), timestamp: 0, sequence: 1)
    }

    @Test func rawFramesAreEncodedAndScaled() throws {
        let e = PreviewEncoder(width: 160)
        let jpeg = try e.jpeg(Self.bgrFrame(width: 640, height: 480, shade: 90))
        #expect(jpeg.prefix(2) == Data([0xFF, 0xD8]))
        #expect(e.encodes == 1)
        let (w, h) = try #require(JPEGSize.of(jpeg))
        #expect(w == 160 && h == 120)
    }

    @Test func jpegFramesPassThrough() throws {
        let made = try PreviewEncoder(width: nil).jpeg(Self.bgrFrame(width: 64, height: 48, shade: 10))
        let frame = Frame(format: .jpeg, width: 64, height: 48, payload: FramePayload(copying: made), timestamp: 0, sequence: 1)
        let e = PreviewEncoder(width: nil)
        #expect(try e.jpeg(frame) == made)
        #expect(e.encodes == 0)
        let smaller = PreviewEncoder(width: 32)
        let (w, _) = try #require(JPEGSize.of(try smaller.jpeg(frame)))
        #expect(w == 32)
    }

    @Test func unsupportedFormatsSaySo() {
        let f = Frame(format: .yuy2, width: 4, height: 2, payload: FramePayload(copying: [UInt8](repeating: 0, count: 16)), timestamp: 0, sequence: 1)
        #expect { try PreviewEncoder(width: nil).jpeg(f) } throws: { "\($0)".contains("cannot preview YUY2") }
    }
}

/// Reads a JPEG's size from its SOF marker.
enum JPEGSize {
    static func of(_ d: Data) -> (Int, Int)? {
        let b = [UInt8](d)
        var i = 2
        while i + 9 < b.count {
            guard b[i] == 0xFF else { return nil }
            let marker = b[i + 1]
            let length = Int(b[i + 2]) << 8 | Int(b[i + 3])
            if (0xC0...0xC3).contains(marker) {
                return (Int(b[i + 7]) << 8 | Int(b[i + 8]), Int(b[i + 5]) << 8 | Int(b[i + 6]))
            }
            i += 2 + length
        }
        return nil
    }
}
