import Foundation
import MediaRouter
import Testing
@testable import ZeroMQ

/// A CURVE server socket bound on loopback with a monitor, for handshake tests.
struct CurveServer {
    let socket: ZMQSocket
    let monitor: ZMQMonitor
    let endpoint: String
    let keys: CurveKeyPair

    init(context: ZMQContext, type: ZMQSocketType = .pull, keys: CurveKeyPair? = nil, domain: String? = nil) throws {
        self.keys = try keys ?? CurveKeyPair.generate()
        socket = try ZMQSocket(context: context, type: type)
        try socket.setOption(.linger, 0)
        try socket.configureCurveServer(self.keys)
        if let domain { try socket.setOption(.zapDomain, domain) }
        monitor = try socket.startMonitor(events: [.handshakes, .disconnected])
        endpoint = try socket.bind("tcp://127.0.0.1:*")
    }

    /// The next handshake outcome reported by the server.
    func handshake(timeout: Int = 2000) throws -> ZMQSocketEvent? {
        try monitor.wait(timeout: timeout) { $0.kind == .handshakeSucceeded || $0.isHandshakeFailure }
    }

    func close() {
        socket.close(linger: 0)
        monitor.close()
    }
}

func makeCurveClient(context: ZMQContext, type: ZMQSocketType = .push, keys: CurveKeyPair,
                     serverKey: CurveKey, endpoint: String) throws -> ZMQSocket {
    let socket = try ZMQSocket(context: context, type: type)
    try socket.setOption(.linger, 0)
    try socket.configureCurveClient(keys, serverKey: serverKey)
    try socket.connect(endpoint)
    return socket
}

@Suite("CURVE handshakes")
struct CurveHandshakeTests {
    @Test("StoneHouse: a client with the right server key gets through; User-Id is its key")
    func stoneHouse() async throws {
        let decisions = Shared<[ZAPDecision]>([])
        try await onDedicatedThread {
            let context = try makeContext()
            let auth = ZAPAuthenticator(context: context, defaultPolicy: .allowAny,
                                        onDecision: { decision in decisions.withLock { $0.append(decision) } })
            try auth.start()
            defer { auth.stop() }
            let server = try CurveServer(context: context)
            defer { server.close() }
            let clientKeys = try CurveKeyPair.generate()
            let client = try makeCurveClient(context: context, keys: clientKeys, serverKey: server.keys.publicKey,
                                             endpoint: server.endpoint)
            defer { client.close(linger: 0) }

            #expect(try server.handshake()?.kind == .handshakeSucceeded)
            try client.send("secret frame")
            try server.socket.setOption(.receiveTimeout, 2000)
            let message = try #require(try server.socket.receiveMessage())
            #expect(message.string == "secret frame")
            #expect(message.property("User-Id") == clientKeys.publicKey.z85)
            #expect(message.property("Peer-Address") == "127.0.0.1")
            #expect(try client.getOption(.mechanism) == .curve)
        }
        let decision = try #require(decisions.current.first)
        #expect(decision.accepted && decision.statusCode == 200 && decision.mechanism == "CURVE" && decision.domain == "")
        #expect(decision.address == "127.0.0.1")
    }

    @Test("without any ZAP handler, libzmq admits every client that knows the server key")
    func noHandler() async throws {
        try await onDedicatedThread {
            let context = try makeContext()
            let server = try CurveServer(context: context)
            defer { server.close() }
            let client = try makeCurveClient(context: context, keys: try CurveKeyPair.generate(),
                                             serverKey: server.keys.publicKey, endpoint: server.endpoint)
            defer { client.close(linger: 0) }
            #expect(try server.handshake()?.kind == .handshakeSucceeded)
        }
    }

    @Test("a client with the wrong server key fails the handshake and delivers nothing")
    func wrongServerKey() async throws {
        try await onDedicatedThread {
            let context = try makeContext()
            let auth = ZAPAuthenticator(context: context, defaultPolicy: .allowAny)
            try auth.start()
            defer { auth.stop() }
            let server = try CurveServer(context: context)
            defer { server.close() }
            let client = try makeCurveClient(context: context, keys: try CurveKeyPair.generate(),
                                             serverKey: try CurveKeyPair.generate().publicKey, endpoint: server.endpoint)
            defer { client.close(linger: 0) }
            _ = try client.send("must not arrive", dontWait: true)

            let event = try #require(try server.handshake())
            #expect(event.kind == .handshakeFailedProtocol)
            #expect(event.value == 0x1100_0001)  // ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
            try server.socket.setOption(.receiveTimeout, 300)
            #expect(try server.socket.receiveMessage() == nil)
        }
    }

    @Test("a plaintext (NULL) client cannot talk to a CURVE server")
    func plaintextClient() async throws {
        try await onDedicatedThread {
            let context = try makeContext()
            let auth = ZAPAuthenticator(context: context, defaultPolicy: .allowAny)
            try auth.start()
            defer { auth.stop() }
            let server = try CurveServer(context: context)
            defer { server.close() }
            let client = try ZMQSocket(context: context, type: .push)
            defer { client.close(linger: 0) }
            try client.connect(server.endpoint)
            _ = try client.send("plaintext", dontWait: true)

            let event = try #require(try server.handshake())
            #expect(event.kind == .handshakeFailedProtocol)
            #expect(event.value == 0x1100_0002)  // ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH
            try server.socket.setOption(.receiveTimeout, 300)
            #expect(try server.socket.receiveMessage() == nil)
        }
    }
}
