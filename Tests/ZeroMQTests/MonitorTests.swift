import Foundation
import MediaRouter
import Testing
import TestSupport
@testable import ZeroMQ

@Suite("Monitor")
struct MonitorTests {
    @Test("reports listening, connection and handshake events with fd values and addresses")
    func events() async throws {
        let context = try makeContext()
        let server = try ZMQSocket(context: context, type: .pair)
        let client = try ZMQSocket(context: context, type: .pair)
        defer { server.close(linger: 0); client.close(linger: 0) }
        let monitor = try server.startMonitor()
        defer { monitor.close() }
        let endpoint = try server.bind("tcp://127.0.0.1:*")
        let listening = try #require(try await monitor.nextEvent())
        #expect(listening.kind == .listening && listening.address == endpoint && listening.value > 0)
        try client.connect(endpoint)
        #expect(try await monitor.firstEvent { $0.kind == .accepted }?.address == endpoint)
        #expect(try await monitor.firstEvent { $0.kind == .handshakeSucceeded } != nil)
        #expect(try monitor.next(timeout: 0) == nil)

        server.close(linger: 0)
        #expect(try await monitor.firstEvent { $0.kind == .monitorStopped } != nil)
    }

    @Test("an unread monitor never blocks the monitored socket")
    func unreadEventsDoNotBlock() async throws {
        let context = try makeContext()
        let holder = try ZMQSocket(context: context, type: .pair)
        let socket = try ZMQSocket(context: context, type: .pair)
        defer { holder.close(linger: 0); socket.close(linger: 0) }
        let endpoint = try holder.bind("tcp://127.0.0.1:*")
        let monitor = try socket.startMonitor(events: .bindFailed)
        defer { monitor.close() }
        // Each failed bind publishes an event from the binding thread; libzmq's default queue
        // would block there after about a thousand, so the binds run on a thread of their own.
        let failures = try await onDedicatedThread {
            (0..<3000).filter { _ in
                do {
                    try socket.bind(endpoint)
                    return false
                } catch {
                    return error is ZMQError
                }
            }.count
        }
        #expect(failures == 3000)
        var count = 0
        while let event = try monitor.next(timeout: 0) {
            #expect(event.kind == .bindFailed && !event.address.isEmpty && endpoint.hasSuffix(event.address), "\(event)")
            count += 1
        }
        #expect(count == 3000)
    }

    @Test("stopMonitor ends the stream with monitorStopped")
    func stop() async throws {
        let context = try makeContext()
        let socket = try ZMQSocket(context: context, type: .pair)
        defer { socket.close(linger: 0) }
        let monitor = try socket.startMonitor()
        defer { monitor.close() }
        try socket.stopMonitor()
        #expect(try await monitor.nextEvent()?.kind == .monitorStopped)
    }
}
