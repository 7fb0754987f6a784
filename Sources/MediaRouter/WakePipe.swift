import Foundation

/// A non-blocking pipe that wakes a thread blocked in poll(2) (or zmq_poll) from any thread:
/// a node's input descriptor, a node's stop, the config watcher's stop.
public final class WakePipe: Sendable {
    public let readFD: Int32
    public let writeFD: Int32

    public init() {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) != 0 { fatalError("pipe failed: \(String(cString: strerror(errno)))") }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        readFD = fds[0]
        writeFD = fds[1]
    }

    deinit {
        close(readFD)
        close(writeFD)
    }

    /// Wakes the poller; safe from any thread (write(2) is).
    public func signal() {
        var b: UInt8 = 1
        _ = write(writeFD, &b, 1)
    }

    public func drain() {
        var buf = [UInt8](repeating: 0, count: 64)
        while read(readFD, &buf, 64) > 0 {}
    }
}
