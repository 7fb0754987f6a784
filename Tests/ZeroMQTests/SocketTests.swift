import Foundation
import MediaRouter
import Testing
@testable import ZeroMQ

@Suite("Sockets")
struct SocketTests {
    @Test("PAIR over tcp loopback, with the wildcard port resolved by bind")
    func pairOverTCP() async throws {
        try await onDedicatedThread {
            let context = try makeContext()
            let server = try ZMQSocket(context: context, type: .pair)
            let client = try ZMQSocket(context: context, type: .pair)
            defer { server.close(linger: 0); client.close(linger: 0) }
            let endpoint = try server.bind("tcp://127.0.0.1:*")
            #expect(endpoint.hasPrefix("tcp://127.0.0.1:") && !endpoint.hasSuffix(":*"))
            #expect(try server.lastEndpoint == endpoint)
            try client.connect(endpoint)
            try server.setOption(.receiveTimeout, 2000)
            try client.setOption(.receiveTimeout, 2000)
            #expect(try client.send("ping"))
            #expect(try server.receiveMessage()?.string == "ping")
            #expect(try server.send(Data([1, 2, 3])))
            #expect(try client.receiveMessage()?.array == [1, 2, 3])
        }
    }

    @Test("REQ with REQ_CORRELATE and REQ_RELAXED: a newer request supersedes an unanswered one")
    func requestReply() async throws {
        try await onDedicatedThread {
            let context = try makeContext()
            let rep = try ZMQSocket(context: context, type: .rep)
            let req = try ZMQSocket(context: context, type: .req)
            defer { rep.close(linger: 0); req.close(linger: 0) }
            try req.setOption(.reqCorrelate, true)
            try req.setOption(.reqRelaxed, true)
            try rep.setOption(.receiveTimeout, 2000)
            try req.setOption(.receiveTimeout, 2000)
            try req.connect(try rep.bind("tcp://127.0.0.1:*"))

            try req.send("one")
            #expect(try rep.receiveMessage()?.string == "one")
            try rep.send("ONE")
            #expect(try req.receiveMessage()?.string == "ONE")

            // Relaxed: a second request without waiting for the first reply.
            try req.send("two")
            try req.send("three")
            #expect(try rep.receiveMessage()?.string == "two")
            try rep.send("TWO")
            #expect(try rep.receiveMessage()?.string == "three")
            try rep.send("THREE")
            // Correlated: the stale reply to "two" is dropped, so "THREE" comes first.
            #expect(try req.receiveMessage()?.string == "THREE")
            // Having its reply, a REQ must send next: libzmq reports EFSM.
            #expect { try req.receiveMessage() } throws: { ($0 as? ZMQError)?.code == .wrongState }
        }
    }

    @Test("REQ_CORRELATE puts a 4-byte request id and an empty delimiter on the wire")
    func correlateEnvelope() async throws {
        try await onDedicatedThread {
            let context = try makeContext()
            let router = try ZMQSocket(context: context, type: .router)
            let req = try ZMQSocket(context: context, type: .req)
            defer { router.close(linger: 0); req.close(linger: 0) }
            try req.setOption(.reqCorrelate, true)
            try router.setOption(.receiveTimeout, 2000)
            try req.connect(try router.bind("tcp://127.0.0.1:*"))
            try req.send("json", more: true)
            try req.send("frame")
            let message = try #require(try router.receiveMultipart())
            #expect(message.map(\.count).dropFirst() == [4, 0, 4, 5])
        }
    }

    @Test("PUB/SUB over tcp loopback with prefix filtering")
    func publishSubscribe() async throws {
        try await onDedicatedThread {
            let context = try makeContext()
            let pub = try ZMQSocket(context: context, type: .pub)
            let sub = try ZMQSocket(context: context, type: .sub)
            defer { pub.close(linger: 0); sub.close(linger: 0) }
            try sub.subscribe("video")
            try sub.connect(try pub.bind("tcp://127.0.0.1:*"))
            #expect(try sendUntilReceived("video:hello", from: pub, to: sub) == "video:hello")
            try pub.send("audio:skip")
            try pub.send("video:next")
            try sub.setOption(.receiveTimeout, 2000)
            #expect(try sub.receiveMessage()?.string == "video:next")
            try sub.unsubscribe("video")
            try sub.setOption(.receiveTimeout, 100)
            try pub.send("video:after")
            #expect(try sub.receiveMessage() == nil)
        }
    }

    @Test("multipart with zero-copy parts: owners are released exactly once, after sending")
    func zeroCopyMultipart() async throws {
        let releases = Shared(0)
        try await onDedicatedThread {
            let context = try makeContext()
            let sender = try ZMQSocket(context: context, type: .push)
            let receiver = try ZMQSocket(context: context, type: .pull)
            try receiver.setOption(.receiveTimeout, 2000)
            try sender.connect(try receiver.bind("tcp://127.0.0.1:*"))
            weak var weakHeader: CountedOwner?
            weak var weakFrame: CountedOwner?
            do {
                let header = CountedOwner(text: "{\"frame\": 1}", releases: releases)
                let frame = CountedOwner(text: String(repeating: "x", count: 100_000), releases: releases)
                weakHeader = header
                weakFrame = frame
                try sender.send("prefix", more: true)
                try sender.send(borrowing: header.bytes.baseAddress!, count: header.bytes.count, owner: header, more: true)
                try sender.send(borrowing: frame.bytes.baseAddress!, count: frame.bytes.count, owner: frame)
            }
            let message = try #require(try receiver.receiveMultipart())
            #expect(message.map(\.string) == ["prefix", "{\"frame\": 1}", String(repeating: "x", count: 100_000)])
            #expect(!message.isTruncated)
            sender.close()
            receiver.close()
            context.terminate()
            #expect(weakHeader == nil && weakFrame == nil)
        }
        #expect(releases.current == 2)
    }

    @Test("over inproc the receiving message keeps the zero-copy owner alive")
    func zeroCopyInproc() async throws {
        let releases = Shared(0)
        try await onDedicatedThread {
            let context = try makeContext()
            let sender = try ZMQSocket(context: context, type: .pair)
            let receiver = try ZMQSocket(context: context, type: .pair)
            defer { sender.close(linger: 0); receiver.close(linger: 0) }
            try receiver.bind("inproc://zero-copy")
            try sender.connect("inproc://zero-copy")
            weak var weakOwner: CountedOwner?
            var received: ZMQMessage?
            do {
                let owner = CountedOwner(text: String(repeating: "y", count: 1000), releases: releases)
                weakOwner = owner
                try sender.send(borrowing: owner.bytes.baseAddress!, count: owner.bytes.count, owner: owner)
                received = try receiver.receiveMessage()
                // The received message points at the owner's own bytes: no copy was made.
                #expect(received?.bytes.baseAddress == UnsafeRawPointer(owner.bytes.baseAddress!))
            }
            #expect(weakOwner != nil)
            #expect(received?.count == 1000)
            received = nil
            #expect(weakOwner == nil)
        }
        #expect(releases.current == 1)
    }

    @Test("a zero-copy send that is not queued releases the owner exactly once")
    func zeroCopyFailure() async throws {
        let releases = Shared(0)
        try await onDedicatedThread {
            let context = try makeContext()
            let push = try ZMQSocket(context: context, type: .push)
            let rep = try ZMQSocket(context: context, type: .rep)
            defer { push.close(linger: 0); rep.close(linger: 0) }
            do {
                // No peer: PUSH would block, so with dontWait the part is not queued.
                let owner = CountedOwner(text: "frame", releases: releases)
                #expect(try !push.send(borrowing: owner.bytes.baseAddress!, count: owner.bytes.count, owner: owner, dontWait: true))
            }
            #expect(releases.current == 1)
            do {
                // A REP must receive before it sends: libzmq throws EFSM.
                let owner = CountedOwner(text: "frame", releases: releases)
                #expect { try rep.send(borrowing: owner.bytes.baseAddress!, count: owner.bytes.count, owner: owner) } throws: {
                    ($0 as? ZMQError)?.code == .wrongState
                }
            }
            #expect(releases.current == 2)
        }
    }

    @Test("receiveMultipart keeps maxParts, consumes the rest and flags the truncation")
    func multipartTruncation() async throws {
        try await onDedicatedThread {
            let context = try makeContext()
            let sender = try ZMQSocket(context: context, type: .pair)
            let receiver = try ZMQSocket(context: context, type: .pair)
            defer { sender.close(linger: 0); receiver.close(linger: 0) }
            try receiver.bind("inproc://truncation")
            try sender.connect("inproc://truncation")
            for part in 1...5 { try sender.send("part \(part)", more: part < 5) }
            try sender.send("next message")

            let truncated = try #require(try receiver.receiveMultipart(maxParts: 2))
            #expect(truncated.map(\.string) == ["part 1", "part 2"])
            #expect(truncated.isTruncated && truncated.discardedPartCount == 3 && truncated.sentPartCount == 5)
            let next = try #require(try receiver.receiveMultipart(maxParts: 2))
            #expect(next.map(\.string) == ["next message"] && !next.isTruncated)
            #expect(try receiver.receiveMultipart(dontWait: true) == nil)
        }
    }

    @Test("receive returns nil on dontWait and on the receive timeout; send returns false on EAGAIN")
    func nonBlocking() async throws {
        try await onDedicatedThread {
            let context = try makeContext()
            let socket = try ZMQSocket(context: context, type: .pair)
            defer { socket.close(linger: 0) }
            #expect(try socket.receiveMessage(dontWait: true) == nil)
            try socket.setOption(.receiveTimeout, 50)
            let start = Date()
            #expect(try socket.receiveMessage() == nil)
            #expect(Date().timeIntervalSince(start) >= 0.04)
            #expect(try !socket.send("nobody listens", dontWait: true))
            try socket.setOption(.sendTimeout, 20)
            #expect(try !socket.send("nobody listens"))
        }
    }

    @Test("typed options round trip through libzmq")
    func options() async throws {
        try await onDedicatedThread {
            let context = try makeContext()
            let socket = try ZMQSocket(context: context, type: .dealer)
            defer { socket.close(linger: 0) }
            let ints: [(ZMQSocketOption<Int>, Int)] = [
                (.linger, 250), (.sendHighWaterMark, 1), (.receiveHighWaterMark, 2), (.receiveTimeout, 300),
                (.sendTimeout, 400), (.maxMessageSize, 8_000_000_000), (.heartbeatInterval, 1000),
                (.heartbeatTimeout, 3000), (.heartbeatTTL, 5000), (.reconnectInterval, 50), (.reconnectIntervalMax, 5000),
                (.connectTimeout, 2000), (.handshakeInterval, 3000), (.tcpKeepalive, 1), (.tcpKeepaliveIdle, 60),
                (.tcpKeepaliveInterval, 10), (.tcpKeepaliveCount, 5), (.sendBufferSize, 65536), (.backlog, 50),
            ]
            for (option, value) in ints {
                try socket.setOption(option, value)
                #expect(try socket.getOption(option) == value, "\(option)")
            }
            for option in [ZMQSocketOption<Bool>.immediate, .conflate, .ipv6, .curveServer] {
                try socket.setOption(option, true)
                #expect(try socket.getOption(option), "\(option)")
                try socket.setOption(option, false)
            }
            try socket.setOption(.zapDomain, "video")
            #expect(try socket.getOption(.zapDomain) == "video")
            try socket.setOption(.routingID, [7, 8, 9])
            #expect(try socket.getOption(.routingID) == [7, 8, 9])
            let pair = try CurveKeyPair.generate()
            try socket.setOption(.curvePublicKey, pair.publicKey)
            #expect(try socket.getOption(.curvePublicKey) == pair.publicKey)
            try socket.setOption(.curveSecretKey, pair.secretKey)
            #expect(try socket.getOption(.mechanism) == .curve)
            #expect(try socket.fileDescriptor >= 0)
            #expect(try socket.events == [])
            #expect(try !socket.getOption(.receiveMore))

            #expect { try socket.setOption(.linger, Int.max) } throws: { ($0 as? ZMQError)?.code == .invalidArgument }
            #expect { try socket.getOption(.curveSecretKey) } throws: { ($0 as? ZMQError)?.code == .invalidArgument }
            #expect { try socket.setOption(.events, .pollIn) } throws: { ($0 as? ZMQError)?.code == .invalidArgument }
            #expect { try socket.bind("nonsense://x") } throws: { error in
                (error as? ZMQError)?.description.contains("zmq_bind(nonsense://x)") == true
            }
        }
    }

    @Test("maxMessageSize drops a peer that sends more")
    func maxMessageSize() async throws {
        try await onDedicatedThread {
            let context = try makeContext()
            let receiver = try ZMQSocket(context: context, type: .pull)
            let sender = try ZMQSocket(context: context, type: .push)
            defer { receiver.close(linger: 0); sender.close(linger: 0) }
            try receiver.setOption(.maxMessageSize, 1000)
            let monitor = try receiver.startMonitor(events: .disconnected)
            defer { monitor.close() }
            try sender.connect(try receiver.bind("tcp://127.0.0.1:*"))
            try sender.send([UInt8](repeating: 0, count: 10_000))
            #expect(try monitor.wait(timeout: 2000) { $0.kind == .disconnected } != nil)
            try receiver.setOption(.receiveTimeout, 100)
            #expect(try receiver.receiveMessage() == nil)
        }
    }

    @Test("zmqPoll reports readiness per item, and wakes on a plain file descriptor")
    func poll() async throws {
        try await onDedicatedThread {
            let context = try makeContext()
            let a = try ZMQSocket(context: context, type: .pair)
            let b = try ZMQSocket(context: context, type: .pair)
            defer { a.close(linger: 0); b.close(linger: 0) }
            try a.bind("inproc://poll")
            try b.connect("inproc://poll")
            var fds: [Int32] = [-1, -1]
            #expect(pipe(&fds) == 0)
            defer { close(fds[0]); close(fds[1]) }

            let poller = ZMQPoller()
            let aIndex = poller.register(a)
            let pipeIndex = poller.register(fileDescriptor: fds[0])
            let bIndex = poller.register(b, events: [.pollIn, .pollOut])
            #expect(try poller.poll(timeout: 0) == [[], [], [.pollOut]])

            try b.send("hello")
            let ready = try poller.poll(timeout: 1000)
            #expect(ready[aIndex] == .pollIn && ready[pipeIndex] == [])

            poller.update(bIndex, events: .pollIn)
            _ = try a.receiveMessage()
            var byte: UInt8 = 1
            #expect(write(fds[1], &byte, 1) == 1)
            #expect(try poller.poll(timeout: 1000) == [[], .pollIn, []])

            let start = Date()
            #expect(try zmqPoll([ZMQPollItem(b)], timeout: 50) == [[]])
            #expect(Date().timeIntervalSince(start) >= 0.04)

            a.close()
            #expect { try zmqPoll([ZMQPollItem(a)], timeout: 0) } throws: { ($0 as? ZMQError)?.code == .notASocket }
        }
    }

    @Test("a closed socket throws notASocket; closing twice is harmless")
    func closedSocket() throws {
        let context = try makeContext()
        let socket = try ZMQSocket(context: context, type: .pair)
        socket.close()
        socket.close()
        #expect(socket.isClosed)
        #expect { try socket.send("x") } throws: { ($0 as? ZMQError)?.code == .notASocket }
        #expect { try socket.receiveMessage(dontWait: true) } throws: { ($0 as? ZMQError)?.code == .notASocket }
    }
}
