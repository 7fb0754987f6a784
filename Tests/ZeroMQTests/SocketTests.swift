import Foundation
import MediaRouter
import Testing
import TestSupport
@testable import ZeroMQ

@Suite("Sockets")
struct SocketTests {
    @Test("PAIR over tcp loopback, with the wildcard port resolved by bind")
    func pairOverTCP() async throws {
        let context = try makeContext()
        let server = try ZMQSocket(context: context, type: .pair)
        let client = try ZMQSocket(context: context, type: .pair)
        defer { server.close(linger: 0); client.close(linger: 0) }
        let endpoint = try server.bind("tcp://127.0.0.1:*")
        #expect(endpoint.hasPrefix("tcp://127.0.0.1:") && !endpoint.hasSuffix(":*"))
        #expect(try server.lastEndpoint == endpoint)
        try client.connect(endpoint)
        try server.setOption(.receiveTimeout, ceilingMs)
        try client.setOption(.receiveTimeout, ceilingMs)
        #expect(try client.send("ping"))
        #expect(try await server.receivedMessage()?.string == "ping")
        #expect(try server.send(Data([1, 2, 3])))
        #expect(try await client.receivedMessage()?.array == [1, 2, 3])
    }

    @Test("REQ with REQ_CORRELATE and REQ_RELAXED: a newer request supersedes an unanswered one")
    func requestReply() async throws {
        let context = try makeContext()
        let rep = try ZMQSocket(context: context, type: .rep)
        let req = try ZMQSocket(context: context, type: .req)
        defer { rep.close(linger: 0); req.close(linger: 0) }
        try req.setOption(.reqCorrelate, true)
        try req.setOption(.reqRelaxed, true)
        try rep.setOption(.receiveTimeout, ceilingMs)
        try req.setOption(.receiveTimeout, ceilingMs)
        try req.connect(try rep.bind("tcp://127.0.0.1:*"))

        try req.send("one")
        #expect(try await rep.receivedMessage()?.string == "one")
        try rep.send("ONE")
        #expect(try await req.receivedMessage()?.string == "ONE")

        // Relaxed: a second request without waiting for the first reply.
        try req.send("two")
        try req.send("three")
        #expect(try await rep.receivedMessage()?.string == "two")
        try rep.send("TWO")
        #expect(try await rep.receivedMessage()?.string == "three")
        try rep.send("THREE")
        // Correlated: the stale reply to "two" is dropped, so "THREE" comes first.
        #expect(try await req.receivedMessage()?.string == "THREE")
        // Having its reply, a REQ must send next: libzmq reports EFSM (at once, without waiting).
        #expect { try req.receiveMessage() } throws: { ($0 as? ZMQError)?.code == .wrongState }
    }

    @Test("REQ_CORRELATE puts a 4-byte request id and an empty delimiter on the wire")
    func correlateEnvelope() async throws {
        let context = try makeContext()
        let router = try ZMQSocket(context: context, type: .router)
        let req = try ZMQSocket(context: context, type: .req)
        defer { router.close(linger: 0); req.close(linger: 0) }
        try req.setOption(.reqCorrelate, true)
        try router.setOption(.receiveTimeout, ceilingMs)
        try req.connect(try router.bind("tcp://127.0.0.1:*"))
        try req.send("json", more: true)
        try req.send("frame")
        let message = try #require(try await router.receivedMultipart())
        #expect(message.map(\.count).dropFirst() == [4, 0, 4, 5])
    }

    @Test("PUB/SUB over tcp loopback with prefix filtering")
    func publishSubscribe() async throws {
        let context = try makeContext()
        let pub = try ZMQSocket(context: context, type: .pub)
        let sub = try ZMQSocket(context: context, type: .sub)
        defer { pub.close(linger: 0); sub.close(linger: 0) }
        try sub.subscribe("video")
        try sub.connect(try pub.bind("tcp://127.0.0.1:*"))
        #expect(try await sendUntilReceived("video:hello", from: pub, to: sub) == "video:hello")
        try pub.send("audio:skip")
        try pub.send("video:next")
        try sub.setOption(.receiveTimeout, ceilingMs)
        var beforeNext: [String] = []
        while let message = try await sub.receivedMessage(), message.string != "video:next" {
            beforeNext.append(message.string)
        }
        // Only a late copy of the first message may come first; "audio:skip" never does.
        #expect(beforeNext.allSatisfy { $0 == "video:hello" }, "\(beforeNext)")
        try sub.unsubscribe("video")
        try sub.subscribe("marker")
        try pub.send("video:after")
        // "video:after" went out before the marker on the same connection: unless the
        // unsubscription filtered it, it arrives before the marker.
        let beforeMarker = try await sendMarker("marker", from: pub, to: sub)
        #expect(beforeMarker != nil && beforeMarker?.contains("video:after") == false, "\(beforeMarker ?? [])")
    }

    @Test("multipart with zero-copy parts: owners are released exactly once, after sending")
    func zeroCopyMultipart() async throws {
        let releases = Shared(0)
        let context = try makeContext()
        let sender = try ZMQSocket(context: context, type: .push)
        let receiver = try ZMQSocket(context: context, type: .pull)
        try receiver.setOption(.receiveTimeout, ceilingMs)
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
        let message = try #require(try await receiver.receivedMultipart())
        #expect(message.map(\.string) == ["prefix", "{\"frame\": 1}", String(repeating: "x", count: 100_000)])
        #expect(!message.isTruncated)
        try await onDedicatedThread {
            sender.close()
            receiver.close()
            context.terminate()
        }
        #expect(weakHeader == nil && weakFrame == nil)
        #expect(releases.current == 2)
    }

    @Test("over inproc the receiving message keeps the zero-copy owner alive")
    func zeroCopyInproc() async throws {
        let releases = Shared(0)
        let context = try makeContext()
        let sender = try ZMQSocket(context: context, type: .pair)
        let receiver = try ZMQSocket(context: context, type: .pair)
        defer { sender.close(linger: 0); receiver.close(linger: 0) }
        try receiver.setOption(.receiveTimeout, ceilingMs)
        try receiver.bind("inproc://zero-copy")
        try sender.connect("inproc://zero-copy")
        weak var weakOwner: CountedOwner?
        var received: ZMQMessage?
        do {
            let owner = CountedOwner(text: String(repeating: "y", count: 1000), releases: releases)
            weakOwner = owner
            try sender.send(borrowing: owner.bytes.baseAddress!, count: owner.bytes.count, owner: owner)
            received = try await receiver.receivedMessage()
            // The received message points at the owner's own bytes: no copy was made.
            #expect(received?.bytes.baseAddress == UnsafeRawPointer(owner.bytes.baseAddress!))
        }
        #expect(weakOwner != nil)
        #expect(received?.count == 1000)
        received = nil
        #expect(weakOwner == nil)
        #expect(releases.current == 1)
    }

    @Test("a zero-copy send that is not queued releases the owner exactly once")
    func zeroCopyFailure() throws {
        // Nothing here waits: dontWait, and a state error libzmq reports at once.
        let releases = Shared(0)
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

    @Test("receiveMultipart keeps maxParts, consumes the rest and flags the truncation")
    func multipartTruncation() async throws {
        let context = try makeContext()
        let sender = try ZMQSocket(context: context, type: .pair)
        let receiver = try ZMQSocket(context: context, type: .pair)
        defer { sender.close(linger: 0); receiver.close(linger: 0) }
        try receiver.setOption(.receiveTimeout, ceilingMs)
        try receiver.bind("inproc://truncation")
        try sender.connect("inproc://truncation")
        for part in 1...5 { try sender.send("part \(part)", more: part < 5) }
        try sender.send("next message")

        let truncated = try #require(try await receiver.receivedMultipart(maxParts: 2))
        #expect(truncated.map(\.string) == ["part 1", "part 2"])
        #expect(truncated.isTruncated && truncated.discardedPartCount == 3 && truncated.sentPartCount == 5)
        let next = try #require(try await receiver.receivedMultipart(maxParts: 2))
        #expect(next.map(\.string) == ["next message"] && !next.isTruncated)
        #expect(try receiver.receiveMultipart(dontWait: true) == nil)
    }

    @Test("receive returns nil on dontWait and on the receive timeout; send returns false on EAGAIN")
    func nonBlocking() async throws {
        let context = try makeContext()
        let socket = try ZMQSocket(context: context, type: .pair)
        defer { socket.close(linger: 0) }
        #expect(try socket.receiveMessage(dontWait: true) == nil)
        // The timeouts themselves are under test: waits of 50 and 20 ms, off the cooperative pool.
        try socket.setOption(.receiveTimeout, 50)
        let (received, waited) = try await onDedicatedThread { () throws -> (ZMQMessage?, Double) in
            let start = Date()
            let message = try socket.receiveMessage()
            return (message, Date().timeIntervalSince(start))
        }
        #expect(received == nil)
        #expect(waited >= 0.04)
        #expect(try !socket.send("nobody listens", dontWait: true))
        try socket.setOption(.sendTimeout, 20)
        #expect(try await onDedicatedThread { try socket.send("nobody listens") } == false)
    }

    @Test("typed options round trip through libzmq")
    func options() throws {
        // Options are set and read at once; nothing here waits.
        do {
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
        let context = try makeContext()
        let receiver = try ZMQSocket(context: context, type: .pull)
        let sender = try ZMQSocket(context: context, type: .push)
        defer { receiver.close(linger: 0); sender.close(linger: 0) }
        try receiver.setOption(.maxMessageSize, 1000)
        let monitor = try receiver.startMonitor(events: .disconnected)
        defer { monitor.close() }
        try sender.connect(try receiver.bind("tcp://127.0.0.1:*"))
        try sender.send([UInt8](repeating: 0, count: 10_000))
        #expect(try await monitor.firstEvent { $0.kind == .disconnected } != nil)
        // The sender reconnects; a small message sent after the big one is the first to arrive,
        // so the big one was dropped rather than delivered.
        try sender.setOption(.sendTimeout, ceilingMs)
        #expect(try await onDedicatedThread { try sender.send("small") })
        try receiver.setOption(.receiveTimeout, ceilingMs)
        #expect(try await receiver.receivedMessage()?.string == "small")
    }

    @Test("zmqPoll reports readiness per item, and wakes on a plain file descriptor")
    func poll() async throws {
        do {
            let context = try makeContext()
            let a = try ZMQSocket(context: context, type: .pair)
            let b = try ZMQSocket(context: context, type: .pair)
            defer { a.close(linger: 0); b.close(linger: 0) }
            try a.bind("inproc://poll")
            try b.connect("inproc://poll")
            var fds: [Int32] = [-1, -1]
            #expect(pipe(&fds) == 0)
            defer { close(fds[0]); close(fds[1]) }

            // A poller belongs to the thread that polls: the polls that wait run on one of their own.
            let (reader, writer) = (fds[0], fds[1])
            let polls = try await onDedicatedThread { () throws -> (idle: [ZMQPollEvents], sent: [ZMQPollEvents], wrote: Int,
                                                                    piped: [ZMQPollEvents], indexes: [Int]) in
                let poller = ZMQPoller()
                let aIndex = poller.register(a)
                let pipeIndex = poller.register(fileDescriptor: reader)
                let bIndex = poller.register(b, events: [.pollIn, .pollOut])
                let idle = try poller.poll(timeout: 0)

                try b.send("hello")
                let sent = try poller.poll(timeout: ceilingMs)

                poller.update(bIndex, events: .pollIn)
                _ = try a.receiveMessage()
                var byte: UInt8 = 1
                let wrote = write(writer, &byte, 1)
                return (idle, sent, wrote, try poller.poll(timeout: ceilingMs), [aIndex, pipeIndex])
            }
            #expect(polls.idle == [[], [], [.pollOut]])
            #expect(polls.sent[polls.indexes[0]] == .pollIn && polls.sent[polls.indexes[1]] == [])
            #expect(polls.wrote == 1)
            #expect(polls.piped == [[], .pollIn, []])

            // The timeout itself is under test: a 50 ms wait, off the cooperative pool.
            let (timedOut, waited) = try await onDedicatedThread { () throws -> ([ZMQPollEvents], Double) in
                let start = Date()
                return (try zmqPoll([ZMQPollItem(b)], timeout: 50), Date().timeIntervalSince(start))
            }
            #expect(timedOut == [[]])
            #expect(waited >= 0.04)

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
