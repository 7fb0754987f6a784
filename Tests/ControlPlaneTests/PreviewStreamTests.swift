import AsyncHTTPClient
@testable import ControlPlane
import Foundation
import MediaRouter
import NIOCore
import Testing
import TestSupport
import TurboJPEG

/// MJPEG previews on a live server: JPEG frames at the requested rate and width, one encode per
/// preview frame however many viewers, and a viewer that leaves ends its stream at once.
@Suite("Control plane previews")
struct PreviewStreamTests {
    static let graph = """
        nodes:
          cam: {kind: frame.generate, width: 320, height: 240, framerate: 30}
          out: {kind: frame.discard, input: cam}
        """

    struct Viewer {
        let response: HTTPClientResponse
        static func open(_ s: LiveServer, _ path: String) async throws -> Viewer {
            var r = HTTPClientRequest(url: s.url(path))
            r.headers.add(name: "Authorization", value: "Bearer \(s.read)")
            return Viewer(response: try await testClient.execute(r, timeout: .seconds(Int64(eventCeiling))))
        }

        /// Reads `count` parts, then stops reading (the caller drops the response to leave).
        func parts(_ count: Int) async throws -> [MultipartReader.Part] {
            let type = response.headers["Content-Type"].first ?? ""
            let boundary = String(type.split(separator: "=").last ?? "")
            var reader = MultipartReader(boundary: boundary)
            var parts: [MultipartReader.Part] = []
            for try await chunk in response.body {
                parts += reader.feed(chunk)
                if parts.count >= count { break }
            }
            return parts
        }
    }

    @Test func partsAreJPEGFramesAtTheRequestedRateAndWidth() async throws {
        let s = try await LiveServer.start(Self.graph)
        let viewer = try await Viewer.open(s, "/api/v1/nodes/cam/preview.mjpg?fps=5&width=160")
        #expect(viewer.response.status == .ok)
        #expect(viewer.response.headers["Content-Type"].first == "multipart/x-mixed-replace; boundary=mediarouterframe")
        let parts = try await viewer.parts(7)
        #expect(parts.count == 7)
        let decoder = try JPEGDecoder()
        var sequences: [Int] = []
        var bodies = Set<[UInt8]>()
        for p in parts {
            #expect(p.headers["content-type"] == "image/jpeg")
            let header = try p.body.withUnsafeBytes { try decoder.header($0) }
            #expect(header.width == 160 && header.height == 120)
            sequences.append(Int(p.headers["x-frame-sequence"] ?? "") ?? -1)
            bodies.insert(p.body)
        }
        #expect(sequences == sequences.sorted() && Set(sequences).count == sequences.count, "\(sequences)")
        #expect(bodies.count > 1, "the moving bar should make frames differ")
        // Rate: 6 intervals at 5 fps take 1.2 s; the source runs at 30 fps, so the preview is
        // held to its rate and is never faster (a little slack for scheduling).
        let seconds = Double(parts.first!.arrived.duration(to: parts.last!.arrived).components.attoseconds) / 1e18
            + Double(parts.first!.arrived.duration(to: parts.last!.arrived).components.seconds)
        let rate = 6 / seconds
        // Never faster than asked: judged by the source's own frame numbers, not by when the
        // parts reach this client (a loaded machine delivers them in bursts). At 5 fps from a
        // 30 fps source the parts are 6 source frames apart; 4 leaves room for a source that
        // runs slow.
        let spacing = Double(sequences.last! - sequences.first!) / 6
        #expect(spacing >= 4, "parts \(sequences) are closer than the requested rate allows (arrival rate \(rate) fps)")
        #expect(rate > 5 / 4, "preview rate \(rate) fps for 5 requested")
        #expect(await s.stop())
    }

    @Test func viewersShareOneEncodeAndALeavingViewerEndsItsStream() async throws {
        let s = try await LiveServer.start(Self.graph)
        let hub = s.control.previews
        let before = hub.encodes
        let began = ContinuousClock.now
        var viewers: [Viewer] = []
        for _ in 0..<4 { viewers.append(try await Viewer.open(s, "/api/v1/nodes/cam/preview.mjpg?fps=10")) }
        #expect(await eventually { hub.viewers == 4 })
        #expect(hub.activeSources == 1)
        var counts: [Int] = []
        try await withThrowingTaskGroup(of: Int.self) { group in
            for v in viewers { group.addTask { try await v.parts(8).count } }
            for try await c in group { counts.append(c) }
        }
        #expect(counts == [8, 8, 8, 8])
        let encodes = hub.encodes - before
        let took = began.duration(to: .now)
        let seconds = Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18
        // One encode per preview frame, not one per viewer: at 10 fps over `seconds` the hub
        // encodes about 10 a second however many watch (4 viewers encoded each would be 40 a second).
        #expect(encodes >= 8, "\(encodes) encodes")
        #expect(Double(encodes) <= 10 * seconds * 1.3 + 3, "\(encodes) encodes in \(seconds) s for 4 viewers at 10 fps")
        // Leaving: the streams end and the tap detaches, without another frame being needed.
        viewers.removeAll()
        #expect(await eventually { hub.viewers == 0 && hub.activeSources == 0 }, "viewers \(hub.viewers), sources \(hub.activeSources)")
        #expect(await eventually { s.control.streams.count == 0 })
        #expect(await s.stop())
    }

    @Test func aViewerThatClosesItsSocketIsNoticedAtOnce() async throws {
        // A raw client, so that the close is exactly a FIN while no frame is due (0.2 fps).
        let s = try await LiveServer.start(Self.graph)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(s.port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        #expect(connected == 0)
        let req = "GET /api/v1/nodes/cam/preview.mjpg?fps=0.2 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(s.read)\r\n\r\n"
        _ = req.withCString { send(fd, $0, strlen($0), 0) }
        #expect(await eventually { s.control.previews.viewers == 1 })
        shutdown(fd, Int32(SHUT_WR))
        #expect(await eventually { s.control.previews.viewers == 0 }, "the stream went on after its viewer left")
        close(fd)
        #expect(await s.stop())
    }
}
