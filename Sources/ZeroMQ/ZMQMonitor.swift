import Foundation

/// Reads the events of a monitored socket; created by ``ZMQSocket/startMonitor(events:)``.
///
/// libzmq publishes the events on an `inproc://` PAIR endpoint; this object owns the PAIR
/// socket reading them. Read it from one thread (any thread, not necessarily the monitored
/// socket's). Events are queued without limit until read. Closing the monitored socket ends
/// the stream with a ``ZMQSocketEvent/Kind/monitorStopped`` event.
public final class ZMQMonitor: Sendable {
    /// The `inproc://` endpoint libzmq publishes the events on.
    public let endpoint: String
    private let socket: ZMQSocket

    internal init(socket: ZMQSocket, endpoint: String) {
        self.socket = socket
        self.endpoint = endpoint
    }

    /// The next event, or nil if none arrives within `timeout` milliseconds (-1 waits
    /// forever, 0 only checks).
    ///
    /// Throws ``ZMQError`` with ``ZMQError/isTerminated`` after a context shutdown.
    public func next(timeout: Int) throws -> ZMQSocketEvent? {
        let ready = try zmqPoll([ZMQPollItem(socket)], timeout: timeout)
        guard ready[0].contains(.pollIn) else { return nil }
        guard let message = try socket.receiveMultipart(dontWait: true, maxParts: 2), message.count == 2 else {
            return nil
        }
        // libzmq's layout: a 16-bit event number and a 32-bit value in host byte order, then
        // the endpoint as a second part.
        let header = message[0].bytes
        guard header.count >= 6 else { return nil }
        let event = header.loadUnaligned(fromByteOffset: 0, as: UInt16.self)
        let value = header.loadUnaligned(fromByteOffset: 2, as: UInt32.self)
        return ZMQSocketEvent(kind: .init(cValue: event), value: value, address: message[1].string)
    }

    /// Reads events until one satisfies `predicate` or `timeout` milliseconds pass in total;
    /// returns that event, or nil on timeout. Events read on the way are dropped.
    public func wait(timeout: Int, for predicate: (ZMQSocketEvent) -> Bool) throws -> ZMQSocketEvent? {
        let deadline = monotonicMilliseconds() + Int64(max(0, timeout))
        while true {
            // Past the deadline this still drains what is already queued, then returns nil.
            let remaining = Int(max(0, deadline - monotonicMilliseconds()))
            guard let event = try next(timeout: remaining) else { return nil }
            if predicate(event) { return event }
        }
    }

    /// Closes the reading socket. Stop monitoring on the socket itself with
    /// ``ZMQSocket/stopMonitor()``, or close that socket.
    public func close() {
        socket.close(linger: 0)
    }
}
