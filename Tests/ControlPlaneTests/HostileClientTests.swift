@testable import ControlPlane
import Foundation
import MediaRouter
import NIOCore
import Testing
import TestSupport

/// A plain TCP client, to send what no HTTP library would.
final class RawClient: @unchecked Sendable {
    // Safe: each test uses one client from one task.
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let r = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard r == 0 else { close(fd); throw RouterError(.io, "connect failed") }
        var tv = timeval(tv_sec: Int(eventCeiling), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    func send(_ text: String) { send(Array(text.utf8)) }
    func send(_ bytes: [UInt8]) { _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }

    /// Reads until the peer closes the connection (true) or the receive timeout passes (false);
    /// blocking (call from a dedicated thread).
    func waitForClose() -> Bool {
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return true }
            if n < 0 { return errno == ECONNRESET }
        }
    }

    /// Reads until `marker` arrives or the peer closes; blocking (call from a dedicated thread).
    func receive(until marker: String) -> String {
        var out = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 4096)
        while !String(decoding: out, as: UTF8.self).contains(marker) {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    deinit { close(fd) }
}

@Suite("Control plane against hostile clients")
struct HostileClientTests {
    static let graph = """
        nodes:
          cam: {kind: frame.generate, width: 320, height: 240, framerate: 30}
          out: {kind: frame.discard, input: cam, queue: {size: 64, policy: block}}
        """

    @Test func garbageAndOversizedRequestsGetClean4xx() async throws {
        let s = try await LiveServer.start(Self.graph)
        let cases: [(String, [UInt8])] = [
            ("garbage", Array("\u{1}\u{2}GARBAGE \u{7f}\r\n\r\n".utf8)),
            ("bad request line", Array("GET\r\n\r\n".utf8)),
            ("huge header", Array(("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "a", count: 100_000) + "\r\n\r\n").utf8)),
            ("traversal", Array("GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)),
            ("bad bearer", Array("GET /api/v1/graph HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \r\nConnection: close\r\n\r\n".utf8)),
        ]
        for (name, bytes) in cases {
            let c = try RawClient(port: s.port)
            c.send(bytes)
            let reply = try await onDedicatedThread { c.receive(until: "\r\n\r\n") }
            let status = Int(reply.split(separator: " ").dropFirst().first ?? "") ?? 0
            #expect((400..<500).contains(status), "\(name): \(reply.prefix(200))")
        }
        // The server and the graph are fine afterwards.
        let r = try await s.get("/api/v1/graph")
        #expect(r.status == 200)
        #expect(s.service.snapshot().nodes.allSatisfy { $0.state == .running })
        #expect(await s.stop())
    }

    @Test func twoHundredPreviewViewersShareOneSourceAndLeaveCleanly() async throws {
        let s = try await LiveServer.start(Self.graph)
        let hub = s.control.previews
        var clients: [RawClient] = []
        for _ in 0..<200 {
            let c = try RawClient(port: s.port)
            c.send("GET /api/v1/nodes/cam/preview.mjpg?fps=2&width=64 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(s.read)\r\n\r\n")
            clients.append(c)
        }
        #expect(await eventually { hub.viewers == 200 }, "\(hub.viewers) viewers")
        #expect(hub.activeSources == 1)
        // Each viewer gets frames; the graph keeps its pace (its blocking sink loses nothing).
        let first = try await onDedicatedThread { [sample = clients[0]] in sample.receive(until: "image/jpeg") }
        #expect(first.hasPrefix("HTTP/1.1 200"))
        let before = s.service.snapshot().node("out")?.counters["frames_in"] ?? 0
        #expect(await eventually { (s.service.snapshot().node("out")?.counters["frames_in"] ?? 0) >= before + 30 })
        #expect(s.service.snapshot().node("cam")?.drops.isEmpty == true)
        clients.removeAll()
        #expect(await eventually { hub.viewers == 0 && hub.activeSources == 0 }, "\(hub.viewers) viewers left")
        #expect(await s.stop())
    }

    /// Slowloris: clients that send part of a request and never finish hold no server or graph
    /// resource for long. While 100 of them hang, others are served and the graph keeps its pace;
    /// the server closes each one at its idle timeout (shortened here to 1 s).
    @Test func slowClientsAreServedAroundAndClosedAtTheIdleTimeout() async throws {
        let s = try await LiveServer.start(Self.graph, idleTimeout: .seconds(1))
        var slow: [RawClient] = []
        for i in 0..<100 {
            let c = try RawClient(port: s.port)
            // Half stop inside the headers, half inside a body they announced.
            if i % 2 == 0 {
                c.send("GET /api/v1/graph HTTP/1.1\r\nHost: x\r\nAuthorization: Bear")
            } else {
                c.send("POST /api/v1/reload?dry_run=true HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(s.admin)\r\nContent-Length: 5000\r\n\r\nnodes:")
            }
            slow.append(c)
        }
        let before = s.service.snapshot().node("out")?.counters["frames_in"] ?? 0
        let r = try await s.get("/api/v1/graph")
        #expect(r.status == 200)
        #expect(await eventually { (s.service.snapshot().node("out")?.counters["frames_in"] ?? 0) >= before + 15 }, "the graph stalled")
        // Every slow client is cut off by the server, none left hanging.
        let closed = try await onDedicatedThread { [slow] in slow.map { $0.waitForClose() } }
        #expect(closed.allSatisfy { $0 }, "\(closed.filter { !$0 }.count) slow clients were not closed")
        #expect(try await s.get("/api/v1/graph").status == 200)
        #expect(await s.stop())
    }

    /// A body over the size limit is refused with 413 before it is read whole.
    @Test func anOversizedBodyGets413() async throws {
        let s = try await LiveServer.start(Self.graph)
        let big = Data(repeating: UInt8(ascii: "#"), count: ControlPlane.maxBodySize + 1)
        let r = try await s.request("/api/v1/reload", method: .POST, token: s.admin, body: big)
        #expect(r.status == 413, "\(r.status) \(r.text.prefix(200))")
        #expect(r.text.contains("larger than"))
        #expect(s.service.snapshot().reloads.applied == 0)
        #expect(await s.stop())
    }
}
