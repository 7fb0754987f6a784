internal import CZeroMQ
import Foundation

/// Something ``zmqPoll(_:timeout:)`` waits on: a socket, or a plain file descriptor such as
/// the read end of a pipe used to wake the polling thread.
public struct ZMQPollItem: Sendable {
    public enum Target: Sendable {
        case socket(ZMQSocket)
        case fileDescriptor(Int32)
    }

    public var target: Target
    /// The readiness to wait for.
    public var events: ZMQPollEvents

    public init(_ socket: ZMQSocket, events: ZMQPollEvents = .pollIn) {
        self.target = .socket(socket)
        self.events = events
    }

    public init(fileDescriptor: Int32, events: ZMQPollEvents = .pollIn) {
        self.target = .fileDescriptor(fileDescriptor)
        self.events = events
    }
}

/// Waits until at least one item is ready or `timeout` milliseconds pass (-1 waits forever,
/// 0 only checks), and returns the readiness of each item in order (empty sets on timeout).
///
/// Every socket's lock is held for the whole wait, so poll sockets from the thread that uses
/// them. Throws ``ZMQError`` with ``ZMQError/isTerminated`` once the context is shut down, and
/// ``ZMQError/Code/notASocket`` if an item's socket is closed. A signal does not cut the wait
/// short. The corresponding C function is `zmq_poll`.
public func zmqPoll(_ items: [ZMQPollItem], timeout: Int) throws -> [ZMQPollEvents] {
    // Locks are taken in one global order (by object address), so two threads polling
    // overlapping sets cannot deadlock; a socket listed twice is locked once.
    var sockets: [ObjectIdentifier: ZMQSocket] = [:]
    for item in items {
        if case .socket(let socket) = item.target { sockets[ObjectIdentifier(socket)] = socket }
    }
    let ordered = sockets.sorted { $0.key < $1.key }.map(\.value)
    var handles: [ObjectIdentifier: UnsafeMutableRawPointer] = [:]
    defer {
        for socket in ordered where handles[ObjectIdentifier(socket)] != nil {
            socket.unlockAfterPolling()
        }
    }
    for socket in ordered {
        guard let handle = socket.lockForPolling() else {
            throw ZMQError(code: .notASocket, operation: "zmq_poll on a closed \(socket.type) socket")
        }
        handles[ObjectIdentifier(socket)] = handle
    }

    var cItems = items.map { item -> zmq_pollitem_t in
        switch item.target {
        case .socket(let socket):
            return zmq_pollitem_t(socket: handles[ObjectIdentifier(socket)], fd: 0, events: item.events.rawValue, revents: 0)
        case .fileDescriptor(let fd):
            return zmq_pollitem_t(socket: nil, fd: fd, events: item.events.rawValue, revents: 0)
        }
    }

    let deadline = timeout < 0 ? nil : monotonicMilliseconds() + Int64(timeout)
    while true {
        let remaining = deadline.map { max(0, $0 - monotonicMilliseconds()) } ?? -1
        let rc = cItems.withUnsafeMutableBufferPointer { buffer in
            zmq_poll(buffer.baseAddress, Int32(buffer.count), Int(remaining))
        }
        if rc >= 0 { break }
        let code = zmq_errno()
        // Retried here rather than in zmqCall so that the wait keeps its original deadline.
        if code == EINTR { continue }
        throw ZMQError(code: .init(rawValue: code), operation: "zmq_poll(\(items.count) items)")
    }
    return cItems.map { ZMQPollEvents(rawValue: $0.revents) }
}

/// A reusable list of sockets to wait on together, for a thread that serves several sockets.
///
/// ```swift
/// let poller = ZMQPoller()
/// let data = poller.register(dataSocket)
/// let control = poller.register(controlSocket)
/// let ready = try poller.poll(timeout: 1000)
/// if ready[control].contains(.pollIn) { ... }
/// ```
public final class ZMQPoller {
    /// The registered items, in registration order.
    public private(set) var items: [ZMQPollItem] = []

    public init() {}

    /// Adds a socket and returns its index in the result of ``poll(timeout:)``.
    @discardableResult
    public func register(_ socket: ZMQSocket, events: ZMQPollEvents = .pollIn) -> Int {
        items.append(ZMQPollItem(socket, events: events))
        return items.count - 1
    }

    /// Adds a file descriptor and returns its index in the result of ``poll(timeout:)``.
    @discardableResult
    public func register(fileDescriptor: Int32, events: ZMQPollEvents = .pollIn) -> Int {
        items.append(ZMQPollItem(fileDescriptor: fileDescriptor, events: events))
        return items.count - 1
    }

    /// Changes the events waited for on the item at `index`.
    public func update(_ index: Int, events: ZMQPollEvents) {
        items[index].events = events
    }

    /// Waits like ``zmqPoll(_:timeout:)`` on every registered item.
    public func poll(timeout: Int) throws -> [ZMQPollEvents] {
        try zmqPoll(items, timeout: timeout)
    }
}

@available(*, unavailable, message: "a ZMQPoller belongs to the thread that polls")
extension ZMQPoller: Sendable {}

internal func monotonicMilliseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
}
