import Foundation
import MediaRouter
import Testing
import TestSupport
@testable import ZeroMQ

@Suite("Unbind")
struct UnbindTests {
    @Test("unbind closes connections accepted through the endpoint; peers reconnect after a rebind")
    func unbindDropsPeers() async throws {
        let context = try makeContext()
        let pub = try ZMQSocket(context: context, type: .pub)
        let sub = try ZMQSocket(context: context, type: .sub)
        defer { pub.close(linger: 0); sub.close(linger: 0) }
        try sub.subscribe()
        let endpoint = try pub.bind("tcp://127.0.0.1:*")
        try sub.connect(endpoint)
        #expect(try await sendUntilReceived("before", from: pub, to: sub) == "before")
        let monitor = try sub.startMonitor(events: [.disconnected, .handshakeSucceeded])
        defer { monitor.close() }

        try pub.unbind(endpoint)
        // The session is torn down as the PUB socket processes its commands, which any call
        // on it does (send, poll, reading events): a socket nobody calls keeps the TCP
        // connection open, though its pipe is already gone.
        let disconnected = await eventually {
            _ = try? pub.events
            return (try? monitor.next(timeout: 0))??.kind == .disconnected
        }
        #expect(disconnected)
        try pub.send("while unbound")

        // Once bound again, everything still queued for the SUB arrives before "after"; our
        // message would be among it. (The SUB keeps reconnecting to the freed port, which a
        // socket of a test running in parallel may bind meanwhile; only our own message must
        // not arrive.)
        try pub.bind(endpoint)
        let beforeAfter = try await sendMarker("after", from: pub, to: sub)
        #expect(beforeAfter != nil, "the SUB came back after the rebind")
        #expect(beforeAfter?.contains("while unbound") == false, "\(beforeAfter ?? [])")
        while let message = try sub.receiveMessage(dontWait: true) {
            #expect(message.string != "while unbound")
        }
    }

    @Test("rebind unbinds and binds the same TCP port at once, repeatedly, and peers come back")
    func rebind() async throws {
        let context = try makeContext()
        let pub = try ZMQSocket(context: context, type: .pub)
        let sub = try ZMQSocket(context: context, type: .sub)
        defer { pub.close(linger: 0); sub.close(linger: 0) }
        try sub.subscribe()
        try sub.setOption(.reconnectInterval, 10)
        let endpoint = try pub.bind("tcp://127.0.0.1:*")
        try sub.connect(endpoint)
        for round in 0..<20 {
            #expect(try await sendUntilReceived("round \(round)", from: pub, to: sub) == "round \(round)")
            #expect(try pub.rebind(endpoint) == endpoint)
        }
    }
}
