import MediaRouter
import Foundation
import FrameCodecs
import Synchronization
import ZeroMQ

/// A monitor event, with the peer's address where it can be known.
struct PeerEvent: Sendable {
    var event: ZMQSocketEvent
    /// For a connection accepted by a binding socket (its `accepted` and `disconnected`
    /// events): the peer's address, such as tcp://10.0.0.7:51234.
    var peer: String?
}

/// Reads a socket's monitor on a thread of its own and learns the peer address of every
/// connection the socket accepts.
///
/// libzmq's events name a binding socket's own endpoint, never the peer; only `accepted`
/// carries the connection's descriptor, which `getpeername` turns into the peer's address while
/// the connection is open. A peer refused at the handshake is gone within a millisecond, so the
/// event is read as soon as it is published, not when the node's loop next looks. The node's
/// thread takes the events with `take()`.
final class MonitorReader: Sendable {
    private let queue = Mutex<[PeerEvent]>([])
    private let closing = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    /// Unread events kept at most: a flood of connections must not grow memory without bound.
    static let maxQueued = 4096

    /// Starts reading `monitor`; `localPorts` are the ports the socket listens on (a descriptor
    /// reused meanwhile by some other socket is not taken for the peer). `onEvent` runs on the
    /// reader's thread after each event is queued (it wakes the socket's owner).
    init(monitor: ZMQMonitor, localPorts: Set<Int>, onEvent: @escaping @Sendable () -> Void = {}) {
        let thread = Thread { [self] in
            nameCurrentThread("netgear-monitor")
            read(monitor, localPorts: localPorts, onEvent: onEvent)
            monitor.close()
            finished.signal()
        }
        thread.name = "netgear-monitor"
        thread.start()
    }

    /// The events read since the last call, oldest first.
    func take() -> [PeerEvent] {
        queue.withLock { q in
            defer { q.removeAll(keepingCapacity: true) }
            return q
        }
    }

    /// Call once the socket has stopped publishing (after `stopMonitor` or closing it): waits,
    /// a little at most, for the reader to read the end of the events and close.
    func finish() {
        closing.store(true, ordering: .releasing)
        _ = finished.wait(timeout: .now() + 3)
    }

    private func read(_ monitor: ZMQMonitor, localPorts: Set<Int>, onEvent: @Sendable () -> Void) {
        var peers: [UInt32: String] = [:]
        while true {
            let event: ZMQSocketEvent?
            do {
                // No timeout: the stream ends with `monitorStopped` (sent when the socket stops
                // its monitor or closes), or with an error when the context shuts down.
                event = try monitor.next(timeout: -1)
            } catch {
                return  // the context is shutting down
            }
            guard let event else {
                if closing.load(ordering: .acquiring) { return }
                continue
            }
            var peer: String?
            switch event.kind {
            case .monitorStopped:
                return
            case .accepted:
                peer = Self.peerAddress(of: Int32(bitPattern: event.value), localPorts: localPorts)
                if let peer {
                    if peers.count > Self.maxQueued { peers.removeAll() }
                    peers[event.value] = peer
                }
            case .disconnected:
                peer = peers.removeValue(forKey: event.value)
            default:
                break
            }
            queue.withLock { q in
                if q.count >= Self.maxQueued { q.removeFirst(q.count / 2) }
                q.append(PeerEvent(event: event, peer: peer))
            }
            onEvent()
        }
    }

    /// The remote address of the TCP connection `fd`, if it is still one accepted on one of
    /// `localPorts`. The corresponding C functions are `getsockname` and `getpeername`.
    static func peerAddress(of fd: Int32, localPorts: Set<Int>) -> String? {
        guard let local = address(of: fd, peer: false), localPorts.isEmpty || localPorts.contains(local.port),
              let remote = address(of: fd, peer: true) else { return nil }
        return "tcp://\(remote.host.contains(":") ? "[\(remote.host)]" : remote.host):\(remote.port)"
    }

    private static func string(_ text: [CChar]) -> String {
        String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func address(of fd: Int32, peer: Bool) -> (host: String, port: Int)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { peer ? getpeername(fd, $0, &length) : getsockname(fd, $0, &length) }
        }
        guard rc == 0 else { return nil }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin -> (String, Int)? in
                    var a = sin.pointee.sin_addr
                    guard inet_ntop(AF_INET, &a, &text, socklen_t(text.count)) != nil else { return nil }
                    return (Self.string(text), Int(UInt16(bigEndian: sin.pointee.sin_port)))
                }
            }
        case AF_INET6:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin -> (String, Int)? in
                    var a = sin.pointee.sin6_addr
                    guard inet_ntop(AF_INET6, &a, &text, socklen_t(text.count)) != nil else { return nil }
                    return (Self.string(text), Int(UInt16(bigEndian: sin.pointee.sin6_port)))
                }
            }
        default:
            return nil
        }
    }
}
