import Foundation
import MediaRouter
import Testing
@testable import ZeroMQ

@Suite("Unbind")
struct UnbindTests {
    @Test("unbind closes connections accepted through the endpoint; peers reconnect after a rebind")
    func unbindDropsPeers() async throws {
        try await onDedicatedThread {
            let context = try makeContext()
            let pub = try ZMQSocket(context: context, type: .pub)
            let sub = try ZMQSocket(context: context, type: .sub)
            defer { pub.close(linger: 0); sub.close(linger: 0) }
            try sub.subscribe()
            let endpoint = try pub.bind("tcp://127.0.0.1:*")
            try sub.connect(endpoint)
            #expect(try sendUntilReceived("before", from: pub, to: sub) == "before")
            let monitor = try sub.startMonitor(events: [.disconnected, .handshakeSucceeded])
            defer { monitor.close() }

            try pub.unbind(endpoint)
            // The session is torn down as the PUB socket processes its commands, which any call
            // on it does (send, poll, reading events): a socket nobody calls keeps the TCP
            // connection open, though its pipe is already gone.
            let disconnected = eventually(timeout: 2000) {
                _ = try? pub.events
                return (try? monitor.next(timeout: 10))??.kind == .disconnected
            }
            #expect(disconnected)
            try pub.send("while unbound")
            try sub.setOption(.receiveTimeout, 200)
            // The SUB keeps reconnecting to the freed port, which a socket of a test running in
            // parallel may bind meanwhile; only our own message must not arrive.
            while let message = try sub.receiveMessage() {
                #expect(message.string != "while unbound")
            }

            try pub.bind(endpoint)
            #expect(try sendUntilReceived("after", from: pub, to: sub) == "after")
        }
    }

    @Test("rebind unbinds and binds the same TCP port at once, repeatedly, and peers come back")
    func rebind() async throws {
        try await onDedicatedThread {
            let context = try makeContext()
            let pub = try ZMQSocket(context: context, type: .pub)
            let sub = try ZMQSocket(context: context, type: .sub)
            defer { pub.close(linger: 0); sub.close(linger: 0) }
            try sub.subscribe()
            try sub.setOption(.reconnectInterval, 10)
            let endpoint = try pub.bind("tcp://127.0.0.1:*")
            try sub.connect(endpoint)
            for round in 0..<20 {
                #expect(try sendUntilReceived("round \(round)", from: pub, to: sub) == "round \(round)")
                #expect(try pub.rebind(endpoint) == endpoint)
            }
        }
    }
}
