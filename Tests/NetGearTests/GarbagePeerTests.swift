import Foundation
import MediaRouter
import Testing
import TestSupport

/// Plain TCP connections that send random bytes instead of ZMTP, as a port scanner or a
/// misdirected client would: they must not keep a REQ/REP receiver from answering real senders.
@Suite("NetGear garbage peers")
struct GarbagePeerTests {
    /// Connects `fd` to 127.0.0.1:`port`.
    static func connect(_ fd: Int32, port: Int) -> Bool {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// Opens `count` TCP connections to 127.0.0.1:`port` and sends each up to 64 KiB of random
    /// bytes (seeded); closes every other one at once and returns the others' descriptors.
    static func garbageConnections(port: Int, count: Int, seed: UInt64) -> [Int32] {
        var rng = SplitMix64(state: seed)
        var fds: [Int32] = []
        for i in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { continue }
            let ok = Self.connect(fd, port: port)
            guard ok else { close(fd); continue }
            let bytes = (0..<Int.random(in: 1...65536, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if i % 2 == 0 { close(fd) } else { fds.append(fd) }
        }
        return fds
    }

    /// A peer speaking ZMTP 1.0 (which random bytes look like to libzmq) is refused by a
    /// plaintext receiver before it reaches the socket: the receiver closes the connection.
    @Test(arguments: [0, 1, 2])
    func zmtp10PeerIsRefusedByAPlaintextReceiver(_ pattern: Int) async throws {
        let port = uniquePort()
        let graph = try LoggedGraph("""
            nodes:
              rx: {kind: netgear.receive, address: 127.0.0.1, port: \(port), pattern: \(pattern)}
              sink: {kind: frame.discard, input: rx}
            """)
        #expect(await eventually { graph.logs.contains("bound tcp://127.0.0.1:\(port)") }, "\(graph.logs.all)")
        // Reads until the receiver closes the connection (true) or 20 s pass (false): it must
        // not take libzmq's 30 s handshake interval, after which it would close it anyway.
        let closed = try await onDedicatedThread { () -> Bool in
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            let ok = Self.connect(fd, port: port)
            guard ok else { return false }
            var timeout = timeval(tv_sec: 20, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            // ZMTP 1.0: an empty identity frame (length 1, flags 0), then a one-byte message.
            let legacy: [UInt8] = [0x01, 0x00, 0x02, 0x00, 0x41]
            _ = legacy.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            var buffer = [UInt8](repeating: 0, count: 256)
            while true {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n == 0 { return true }
                if n < 0 { return errno == ECONNRESET }
            }
        }
        #expect(closed, "the receiver kept a ZMTP 1.0 connection open")
        await graph.stop()
        #expect(graph.runtime.failures.isEmpty, "\(graph.runtime.failures)")
    }

    @Test(arguments: [0, 2])
    func randomBytesDoNotStallReqRep(_ secure: Int) async throws {
        let keys = secure > 0 ? try makeKeys("garbage") : nil
        let port = uniquePort()
        let key = uniqueKey("garbage")
        let rx = try LoggedGraph("""
            nodes:
              rx:
                kind: netgear.receive
                address: 127.0.0.1
                port: \(port)
                pattern: 1
                \(secureOptions(secure, keys: keys))
              sink: {kind: test.collect, input: rx, key: \(key)}
            """, level: .info)
        let fds = try await onDedicatedThread { Self.garbageConnections(port: port, count: 20, seed: 0x6A4B + UInt64(secure)) }
        defer { fds.forEach { close($0) } }
        let frames = 30
        let tx = try LoggedGraph("""
            nodes:
              cam: {kind: test.indexed, width: 32, height: 24, framerate: 50, count: \(frames)}
              tx:
                kind: netgear.send
                input: {node: cam, queue: {size: 64, policy: block}}
                address: 127.0.0.1
                port: \(port)
                pattern: 1
                \(secureOptions(secure, keys: keys))
            """, level: .info)
        // More of them while frames flow.
        #expect(await eventually(timeout: 30) { tx.extra("tx", "replies") >= 1 || tx.runtime.isFinished })
        let more = try await onDedicatedThread { Self.garbageConnections(port: port, count: 20, seed: 0x7A4B + UInt64(secure)) }
        defer { more.forEach { close($0) } }
        let answered = await eventually(timeout: 30) { tx.extra("tx", "replies") >= frames || tx.runtime.isFinished }
        #expect(answered && tx.extra("tx", "replies") == frames,
                "replies \(tx.extra("tx", "replies")) of \(frames), timeouts \(tx.extra("tx", "reply_timeouts")), failures \(tx.runtime.failures)\n\(tx.logs.all.joined(separator: "\n"))\n\(rx.logs.all.joined(separator: "\n"))")
        #expect(tx.extra("tx", "reply_timeouts") == 0)
        #expect(await eventually(timeout: 30) { collected(key).count == frames }, "received \(collected(key).count) of \(frames)")
        #expect(rx.runtime.failures.isEmpty && tx.runtime.failures.isEmpty, "\(rx.runtime.failures) \(tx.runtime.failures)")
        await tx.stop()
        await rx.stop()
    }

    /// The same with vidgear's own REQ sender.
    @Test(.enabled(if: hasVidgear, Comment(rawValue: vidgearMissing)))
    func randomBytesDoNotStallVidgearSender() async throws {
        let port = uniquePort()
        let key = uniqueKey("garbage-v")
        let rx = try LoggedGraph("""
            nodes:
              rx: {kind: netgear.receive, address: 127.0.0.1, port: \(port), pattern: 1}
              sink: {kind: test.collect, input: rx, key: \(key)}
            """, level: .info)
        let fds = try await onDedicatedThread { Self.garbageConnections(port: port, count: 20, seed: 0x8A4B) }
        defer { fds.forEach { close($0) } }
        let frames = 30
        let peer = try await VidgearPeer(["send", "--port", "\(port)", "--pattern", "1", "--frames", "\(frames)", "--fps", "30", "--timeout", "25"])
        #expect(await eventually(timeout: 30) { !collected(key).isEmpty || peer.isDone })
        let more = try await onDedicatedThread { Self.garbageConnections(port: port, count: 20, seed: 0x9A4B) }
        defer { more.forEach { close($0) } }
        let result = await peer.result(timeout: 40)
        #expect(result?["sent"]?.int == frames && (result?["error"]?.isNull ?? false), "\(peer.transcript)")
        // One unanswered frame costs vidgear a whole request timeout (4 s) before it reconnects;
        // 30 frames at 30 fps otherwise take about a second.
        #expect((result?["elapsed"]?.doubleValue ?? 99) < 4, "a reply went missing: \(peer.transcript)")
        #expect(collected(key).count == frames, "received \(collected(key).count) of \(frames)")
        #expect(rx.runtime.failures.isEmpty, "\(rx.runtime.failures)")
        await rx.stop()
    }
}
