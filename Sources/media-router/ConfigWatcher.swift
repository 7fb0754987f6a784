import Foundation
import Logging
import MediaRouter
import ServiceLifecycle

/// Watches the graph file and asks for a reload when its contents change. It watches the
/// file's folder (and the folder of the file a symlink points to), not the file itself, so it
/// survives the atomic rename most editors do and the symlink swap of a Kubernetes ConfigMap;
/// a burst of events (an editor's write, rename and chmod) is one change once the folder has
/// been quiet for `settle` seconds. A file that is deleted keeps the running graph; when it
/// comes back it is read again.
final class ConfigWatcher: Service, Sendable {
    let path: String
    let logger: Logger
    let settle: Double
    private let onChange: @Sendable () async -> Void
    private let wake = WakePipe()

    init(path: String, logger: Logger, settle: Double = 0.1, onChange: @escaping @Sendable () async -> Void) {
        self.path = path
        self.logger = logger
        self.settle = settle
        self.onChange = onChange
    }

    func run() async throws {
        let (changes, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        startThread(name: "config-watcher") { [self] in
            self.watch { continuation.yield() }
            continuation.finish()
        }
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                for await _ in changes { await onChange() }
            } onGracefulShutdown: { [wake] in
                wake.signal()
            }
        } onCancel: { [wake] in
            wake.signal()
        }
        wake.signal()
    }

    /// The folders to watch: the file's own, and its symlink target's.
    private func folders() -> [String] {
        var dirs = [(path as NSString).deletingLastPathComponent]
        if let real = realpath(path, nil) {
            dirs.append((String(cString: real) as NSString).deletingLastPathComponent)
            free(real)
        }
        return Array(Set(dirs.map { $0.isEmpty ? "." : $0 }))
    }

    private func contents() -> Data? { FileManager.default.contents(atPath: path) }

    /// Runs on its own thread until `wake` is signalled.
    private func watch(_ changed: @Sendable () -> Void) {
        let fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard fd >= 0 else {
            logger.warning("cannot watch \(path) for changes (inotify: \(String(cString: strerror(errno)))); use SIGHUP to reload")
            return
        }
        defer { close(fd) }
        let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)
        var watched: [String: Int32] = [:]
        func rewatch() {
            let wanted = Set(folders())
            for (dir, wd) in watched where !wanted.contains(dir) {
                inotify_rm_watch(fd, wd)
                watched[dir] = nil
            }
            for dir in wanted where watched[dir] == nil {
                let wd = inotify_add_watch(fd, dir, mask)
                if wd >= 0 { watched[dir] = wd }
            }
        }
        rewatch()
        var last = contents()
        var missing = last == nil
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            // Wait for an event or the stop.
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wake.readFD, events: Int16(POLLIN), revents: 0)]
            if poll(&fds, 2, -1) < 0 { if errno == EINTR { continue } else { return } }
            if fds[1].revents != 0 { return }
            // Let the burst settle: read until the folder is quiet.
            while read(fd, &buffer, buffer.count) > 0 {}
            while true {
                var quiet = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wake.readFD, events: Int16(POLLIN), revents: 0)]
                let n = poll(&quiet, 2, Int32(settle * 1000))
                if n < 0 && errno == EINTR { continue }
                if quiet[1].revents != 0 { return }
                if n == 0 { break }
                while read(fd, &buffer, buffer.count) > 0 {}
            }
            rewatch()
            let now = contents()
            if now == nil {
                if !missing { logger.warning("the graph file \(path) is gone; the running graph goes on, and is reloaded when the file is back") }
                missing = true
                continue
            }
            missing = false
            if now == last { continue }
            last = now
            changed()
        }
    }
}
