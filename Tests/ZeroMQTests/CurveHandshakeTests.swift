import Foundation
import MediaRouter
import Testing
import TestSupport
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

    /// The next handshake outcome reported by the server, read on a thread of its own.
    func handshake(timeout: Int = ceilingMs) async throws -> ZMQSocketEvent? {
        try await monitor.firstEvent(timeout: timeout) { $0.kind == .handshakeSucceeded || $0.isHandshakeFailure }
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

/// Everything a CURVE PULL server received, after a handshake failure it reported, until a
/// marker from a client that gets through (`sender`, or a new client), and what is still
/// queued after that (nil if the marker never came). The marker shows the server took in
/// traffic after the failure; a message of the failed client would be among the result.
func receivedBeforeMarker(on server: CurveServer, context: ZMQContext, from sender: ZMQSocket? = nil) async throws -> [String]? {
    let good = try sender ?? makeCurveClient(context: context, keys: try CurveKeyPair.generate(),
                                             serverKey: server.keys.publicKey, endpoint: server.endpoint)
    defer { if sender == nil { good.close(linger: 0) } }
    try good.send("marker")
    try server.socket.setOption(.receiveTimeout, ceilingMs)
    var received: [String] = []
    while true {
        guard let message = try await server.socket.receivedMessage() else { return nil }
        if message.string == "marker" { break }
        received.append(message.string)
    }
    while let message = try server.socket.receiveMessage(dontWait: true) { received.append(message.string) }
    return received
}

@Suite("CURVE handshakes")
struct CurveHandshakeTests {
    @Test("StoneHouse: a client with the right server key gets through; User-Id is its key")
    func stoneHouse() async throws {
        let decisions = Shared<[ZAPDecision]>([])
        let context = try makeContext()
        let auth = ZAPAuthenticator(context: context, defaultPolicy: .allowAny,
                                    onDecision: { decision in decisions.withLock { $0.append(decision) } })
        try await withAuthenticator(auth) {
            let server = try CurveServer(context: context)
            defer { server.close() }
            let clientKeys = try CurveKeyPair.generate()
            let client = try makeCurveClient(context: context, keys: clientKeys, serverKey: server.keys.publicKey,
                                             endpoint: server.endpoint)
            defer { client.close(linger: 0) }

            #expect(try await server.handshake()?.kind == .handshakeSucceeded)
            try client.send("secret frame")
            try server.socket.setOption(.receiveTimeout, ceilingMs)
            let message = try #require(try await server.socket.receivedMessage())
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
        let context = try makeContext()
        let server = try CurveServer(context: context)
        defer { server.close() }
        let client = try makeCurveClient(context: context, keys: try CurveKeyPair.generate(),
                                         serverKey: server.keys.publicKey, endpoint: server.endpoint)
        defer { client.close(linger: 0) }
        #expect(try await server.handshake()?.kind == .handshakeSucceeded)
    }

    @Test("a client with the wrong server key fails the handshake and delivers nothing")
    func wrongServerKey() async throws {
        let context = try makeContext()
        let auth = ZAPAuthenticator(context: context, defaultPolicy: .allowAny)
        try await withAuthenticator(auth) {
            let server = try CurveServer(context: context)
            defer { server.close() }
            let client = try makeCurveClient(context: context, keys: try CurveKeyPair.generate(),
                                             serverKey: try CurveKeyPair.generate().publicKey, endpoint: server.endpoint)
            defer { client.close(linger: 0) }
            _ = try client.send("must not arrive", dontWait: true)

            let event = try #require(try await server.handshake())
            #expect(event.kind == .handshakeFailedProtocol)
            #expect(event.value == 0x1100_0001)  // ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
            #expect(try await receivedBeforeMarker(on: server, context: context) == [])
        }
    }

    @Test("a plaintext (NULL) client cannot talk to a CURVE server")
    func plaintextClient() async throws {
        let context = try makeContext()
        let auth = ZAPAuthenticator(context: context, defaultPolicy: .allowAny)
        try await withAuthenticator(auth) {
            let server = try CurveServer(context: context)
            defer { server.close() }
            let client = try ZMQSocket(context: context, type: .push)
            defer { client.close(linger: 0) }
            try client.connect(server.endpoint)
            _ = try client.send("plaintext", dontWait: true)

            let event = try #require(try await server.handshake())
            #expect(event.kind == .handshakeFailedProtocol)
            #expect(event.value == 0x1100_0002)  // ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH
            #expect(try await receivedBeforeMarker(on: server, context: context) == [])
        }
    }
}
