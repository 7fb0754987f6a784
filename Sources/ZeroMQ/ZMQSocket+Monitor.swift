internal import CZeroMQ
import Foundation

extension ZMQSocket {
    /// Starts publishing this socket's connection events and returns a reader for them.
    ///
    /// One monitor per socket: starting another replaces the first, whose reader then sees no
    /// more events. The corresponding C function is `zmq_socket_monitor`.
    public func startMonitor(events: ZMQSocketEventSet = .all) throws -> ZMQMonitor {
        let endpoint = "inproc://media-router.monitor.\(UUID().uuidString)"
        let reader = try ZMQSocket(context: context, type: .pair)
        // libzmq publishes events with a blocking send from whichever thread (often an I/O
        // thread) sees them, so a full queue would stall that thread. A zero high-water mark on
        // our end makes the inproc pipe unbounded: unread events cost memory, never a hang.
        try reader.setOption(.receiveHighWaterMark, 0)
        try reader.setOption(.sendHighWaterMark, 0)
        // Connecting before libzmq binds (allowed for inproc) means no event can be published
        // while nobody listens.
        try reader.connect(endpoint)
        do {
            try withHandle("zmq_socket_monitor(\(endpoint))") { handle in
                try zmqCall("zmq_socket_monitor(\(endpoint))") {
                    zmq_socket_monitor(handle, endpoint, Int32(events.rawValue))
                }
            }
        } catch {
            reader.close(linger: 0)
            throw error
        }
        return ZMQMonitor(socket: reader, endpoint: endpoint)
    }

    /// Stops publishing events; the monitor's reader gets a final
    /// ``ZMQSocketEvent/Kind/monitorStopped`` event. The corresponding C function is
    /// `zmq_socket_monitor` with a NULL endpoint.
    public func stopMonitor() throws {
        try withHandle("zmq_socket_monitor(NULL)") { handle in
            try zmqCall("zmq_socket_monitor(NULL)") { zmq_socket_monitor(handle, nil, 0) }
        }
    }
}
