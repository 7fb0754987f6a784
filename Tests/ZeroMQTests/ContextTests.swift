import Foundation
import MediaRouter
import Testing
import TestSupport
@testable import ZeroMQ

@Suite("Context")
struct ContextTests {
    @Test("shutdown wakes a thread blocked in receive with ETERM")
    func shutdownWakesBlockedReceive() async throws {
        let context = try makeContext()
        let receiver = BlockedThread()
        async let blocked = onDedicatedThread { () -> ZMQError? in
            let socket = try ZMQSocket(context: context, type: .pull)
            defer { socket.close(linger: 0) }
            try socket.bind("inproc://blocked")
            receiver.enter()
            do {
                _ = try socket.receiveMessage()
                return nil
            } catch let error as ZMQError {
                return error
            }
        }
        #expect(await eventually { receiver.isBlocked }, "the receive blocks")
        context.shutdown()
        let error = try await blocked
        #expect(error?.isTerminated == true)
        #expect(error?.code == .terminated)
        #expect(context.isShutDown)
        #expect { try ZMQSocket(context: context, type: .pair) } throws: { ($0 as? ZMQError)?.isTerminated == true }
        try await onDedicatedThread {
            context.terminate()
            context.terminate()
        }
    }

    @Test("the shared context exists once and serves sockets")
    func shared() throws {
        #expect(ZMQContext.shared === ZMQContext.shared)
        let socket = try ZMQSocket(context: .shared, type: .pair)
        socket.close()
        #expect(ZMQLibrary.version.major == 4)
        #expect(ZMQLibrary.has("curve"))
    }

    @Test("bad context settings are refused")
    func badSettings() {
        #expect(throws: ZMQError.self) { try ZMQContext(ioThreads: -1) }
        #expect(throws: ZMQError.self) { try ZMQContext(maxSockets: 0) }
    }
}
