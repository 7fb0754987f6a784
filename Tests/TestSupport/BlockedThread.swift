import Foundation
import Synchronization

/// Tells when a thread is asleep inside a blocking call, so that a test can wake it (interrupt,
/// stop, shut down) knowing the call is really waiting, instead of pausing and hoping it is.
///
/// The thread calls `enter()` right before the blocking call; `isBlocked` is then true once
/// the kernel reports that thread sleeping (state S or D in /proc/self/task/<tid>/stat).
public final class BlockedThread: Sendable {
    private let tid = Mutex<String?>(nil)

    public init() {}

    /// Call on the thread that is about to block, just before the blocking call.
    public func enter() {
        // /proc/thread-self links to "<pid>/task/<tid>" of the calling thread.
        let link = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self")) ?? ""
        let id = (link as NSString).lastPathComponent
        precondition(Int(id) != nil, "no thread id in /proc/thread-self: \(link)")
        tid.withLock { $0 = id }
    }

    /// True once the thread that called `enter()` is asleep in the kernel.
    public var isBlocked: Bool {
        guard let tid = tid.withLock({ $0 }),
              let stat = try? String(contentsOfFile: "/proc/self/task/\(tid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        // "tid (comm) S ...": the state follows the command name and a space.
        let state = stat[close...].dropFirst(2).first
        return state == "S" || state == "D"
    }
}
