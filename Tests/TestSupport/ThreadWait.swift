import Foundation

/// The blocking system call a thread of this process sleeps in, read from /proc. A thread asleep
/// in a call without a timeout (poll with -1, a futex wait without a time limit, a read) can only
/// be woken by an event, never by a timer: a test that sees a node's thread there has proved the
/// node does not poll, without watching it for some length of time.
public struct ThreadWait: Sendable, CustomStringConvertible {
    /// The thread's name as the kernel keeps it (at most 15 bytes).
    public var name: String
    public var tid: String
    /// "poll", "ppoll", "futex", "epoll_wait", "read", ... or "syscall N".
    public var call: String
    /// True when the call has no timeout.
    public var withoutTimeout: Bool
    /// Times the thread went to sleep of its own accord since it started.
    public var voluntarySwitches: Int

    public var description: String { "\(name) (\(tid)): \(call)\(withoutTimeout ? " without timeout" : " with a timeout"), \(voluntarySwitches) sleeps" }

    /// The threads of this process named `name`, each with the call it sleeps in (nil while it
    /// runs or is not inside a system call).
    public static func threads(named name: String) -> [(tid: String, wait: ThreadWait?)] {
        let tids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tids.compactMap { tid in
            guard let comm = try? String(contentsOfFile: "/proc/self/task/\(tid)/comm", encoding: .utf8),
                  comm.trimmingCharacters(in: .newlines) == String(decoding: name.utf8.prefix(15), as: UTF8.self) else { return nil }
            return (tid, of(tid: tid, name: name))
        }
    }

    /// The call the one thread named `name` sleeps in; nil if it runs, or there is not exactly
    /// one such thread.
    public static func of(threadNamed name: String) -> ThreadWait? {
        let found = threads(named: name)
        return found.count == 1 ? found[0].wait : nil
    }

    /// The call thread `tid` of this process sleeps in; nil if it runs.
    public static func of(tid: String, name: String = "") -> ThreadWait? {
        let base = "/proc/self/task/\(tid)"
        guard let stat = try? String(contentsOfFile: base + "/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")"),
              let state = stat[close...].dropFirst(2).first, state == "S" || state == "D",
              let line = try? String(contentsOfFile: base + "/syscall", encoding: .utf8) else { return nil }
        // "NR arg0 arg1 ... arg5 sp pc" while blocked in a call; "running" or "-1 sp pc" otherwise.
        let fields = line.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard fields.count >= 7, let nr = Int(fields[0]), nr >= 0 else { return nil }
        let args = fields[1...6].map { UInt64($0.dropFirst(2), radix: 16) ?? 0 }
        let (call, withoutTimeout) = Self.decode(nr, args)
        let status = (try? String(contentsOfFile: base + "/status", encoding: .utf8)) ?? ""
        let switches = status.split(separator: "\n").first { $0.hasPrefix("voluntary_ctxt_switches:") }
            .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? -1
        return ThreadWait(name: name, tid: tid, call: call, withoutTimeout: withoutTimeout, voluntarySwitches: switches)
    }

    private static func decode(_ nr: Int, _ a: [UInt64]) -> (String, Bool) {
        let minusOne = { (v: UInt64) in Int32(truncatingIfNeeded: v) == -1 }
        #if arch(x86_64)
        switch nr {
        case 0: return ("read", true)
        case 7: return ("poll", minusOne(a[2]))
        case 202: return ("futex", a[3] == 0)
        case 232, 281: return ("epoll_wait", minusOne(a[3]))
        case 271: return ("ppoll", a[2] == 0)
        case 23, 270: return ("select", a[4] == 0)
        case 35, 230: return ("nanosleep", false)
        default: return ("syscall \(nr)", false)
        }
        #elseif arch(arm64)
        switch nr {
        case 63: return ("read", true)
        case 73: return ("ppoll", a[2] == 0)
        case 98: return ("futex", a[3] == 0)
        case 22: return ("epoll_wait", minusOne(a[3]))
        case 72: return ("select", a[4] == 0)
        case 101, 115: return ("nanosleep", false)
        default: return ("syscall \(nr)", false)
        }
        #else
        return ("syscall \(nr)", false)
        #endif
    }
}
