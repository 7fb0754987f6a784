import Foundation
import Synchronization
import TestSupport

/// Hosts on one Linux machine: network namespaces joined by veth pairs, each with its own
/// interfaces, addresses and TCP stack, so that a link can really go down between two
/// processes. Needs root (CAP_SYS_ADMIN for namespaces, CAP_NET_ADMIN for links) and iproute2.
///
/// Namespaces are named `mrmh-<pid>-<n>-<host>` and the lab's folder (keys, graphs, stats) is
/// `<tmp>/mrmh-<pid>-<n>`: a run finds and removes what a crashed earlier run left behind (its
/// pid is gone) without touching the labs of runs still going.
final class MultiHostLab {
    static let prefix = "mrmh-"
    private static let serial = Mutex(0)

    let ip: String
    let name: String
    /// The lab's own folder, removed with the lab.
    let directory: String
    private(set) var hosts: [String] = []
    private(set) var processes: [ChildProcess] = []

    init() throws {
        guard let ip = Self.ipPath else { throw MultiHostLabError("iproute2 is not installed (no ip command)") }
        self.ip = ip
        let n = Self.serial.withLock { n in
            n += 1
            return n
        }
        name = "\(Self.prefix)\(getpid())-\(n)"
        directory = NSTemporaryDirectory() + name
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func namespace(_ host: String) -> String { "\(name)-\(host)" }

    // MARK: Whether the machine allows it

    static var ipPath: String? {
        ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Why no lab can be made here, or nil when it can.
    static var unavailableReason: String? {
        if geteuid() != 0 { return "needs root for network namespaces" }
        // Root in a container may lack the capabilities: CAP_NET_ADMIN (12), CAP_SYS_ADMIN (21).
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        if let line = status.split(separator: "\n").first(where: { $0.hasPrefix("CapEff:") }),
           let caps = UInt64(line.dropFirst("CapEff:".count).trimmingCharacters(in: .whitespaces), radix: 16),
           caps & (1 << 12) == 0 || caps & (1 << 21) == 0 {
            return "needs root for network namespaces (CAP_NET_ADMIN and CAP_SYS_ADMIN are missing)"
        }
        if ipPath == nil { return "needs root for network namespaces, and iproute2 (no ip command)" }
        return nil
    }

    /// The condition of the tests' `.enabled(if:)` trait; says why when a test is skipped.
    static var available: Bool {
        guard let reason = unavailableReason else { return true }
        print("skipped: \(reason)")
        return false
    }

    // MARK: Building

    /// Runs `ip ARGS`, throwing with its error output when it fails.
    @discardableResult
    func run(_ arguments: [String]) throws -> String {
        let r = try runProcess(ip, arguments, timeout: 20)
        guard r.status == 0, !r.timedOut else {
            throw MultiHostLabError("ip \(arguments.joined(separator: " ")) failed (\(r.status)): \(r.stderr)")
        }
        return r.stdout
    }

    /// Runs several `ip` commands in one shell, stopping at the first that fails: one child
    /// process instead of dozens keeps building the lab quick.
    func run(batch commands: [[String]]) throws {
        let script = commands.map { ([ip] + $0).map(Self.quoted).joined(separator: " ") }.joined(separator: "\n")
        let r = try runProcess("/bin/sh", ["-e", "-x", "-c", script], timeout: 60)
        guard r.status == 0, !r.timedOut else {
            throw MultiHostLabError("building the lab failed (\(r.status)); the last command shown failed:\n\(r.stderr.suffix(2000))")
        }
    }

    static func quoted(_ word: String) -> String { "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// One veth pair: each end in its host, with an address in a /24.
    struct Link {
        var a: String, aInterface: String, aAddress: String
        var b: String, bInterface: String, bAddress: String
    }

    /// Makes the hosts (namespaces with loopback up) and joins them with veth pairs.
    func build(hosts newHosts: [String], links: [Link]) throws {
        var commands: [[String]] = []
        for host in newHosts {
            commands.append(["netns", "add", namespace(host)])
            commands.append(["-n", namespace(host), "link", "set", "lo", "up"])
        }
        for l in links {
            commands += [
                ["-n", namespace(l.a), "link", "add", l.aInterface, "type", "veth", "peer", "name", l.bInterface, "netns", namespace(l.b)],
                ["-n", namespace(l.a), "addr", "add", l.aAddress + "/24", "dev", l.aInterface],
                ["-n", namespace(l.b), "addr", "add", l.bAddress + "/24", "dev", l.bInterface],
                ["-n", namespace(l.a), "link", "set", l.aInterface, "up"],
                ["-n", namespace(l.b), "link", "set", l.bInterface, "up"],
            ]
        }
        // Recorded first, so that a failure half-way still removes what was made.
        hosts += newHosts
        try run(batch: commands)
    }

    func setLink(_ host: String, _ interface: String, up: Bool) throws {
        try run(["-n", namespace(host), "link", "set", interface, up ? "up" : "down"])
    }

    /// Starts a program inside a host. `ip netns exec` replaces itself with the program, so the
    /// child's pid is the program's.
    func start(_ host: String, _ executable: String, _ arguments: [String]) throws -> ChildProcess {
        let p = ChildProcess(ip, ["netns", "exec", namespace(host), executable] + arguments)
        try p.start()
        processes.append(p)
        return p
    }

    // MARK: Tearing down

    /// Stops every process (SIGTERM, then SIGKILL after `grace` seconds) and deletes the
    /// namespaces, which takes their veth pairs with them, and the lab's folder. Returns what
    /// could not be removed.
    @discardableResult
    func destroy(grace: Double = 3) -> [String] {
        for p in processes where p.process.isRunning { p.signal(SIGTERM) }
        let deadline = Date().addingTimeInterval(grace)
        for p in processes {
            p.wait(timeout: max(0.1, deadline.timeIntervalSinceNow))
        }
        processes = []
        // Anything still inside (started by hand, or a child of a child) would keep a
        // namespace alive after its name is gone.
        let names = hosts.map(namespace)
        hosts = []
        var problems = Self.remove(names, ip: ip)
        do {
            try FileManager.default.removeItem(atPath: directory)
        } catch {
            problems.append("could not remove \(directory): \(error)")
        }
        return problems
    }

    /// Kills the processes in namespaces and deletes them; returns what could not be deleted.
    private static func remove(_ names: [String], ip: String) -> [String] {
        guard !names.isEmpty else { return [] }
        let script = """
            for ns in \(names.map(quoted).joined(separator: " ")); do
              for pid in $(\(quoted(ip)) netns pids "$ns"); do kill -KILL "$pid" 2>/dev/null || true; done
              \(quoted(ip)) netns del "$ns" || echo "could not delete $ns" >&2
            done
            """
        guard let r = try? runProcess("/bin/sh", ["-c", script], timeout: 60) else { return names }
        return r.stderr.split(separator: "\n").map(String.init)
    }

    /// Our namespaces that exist now, by name.
    static func existingNamespaces(prefix: String = prefix) -> [String] {
        guard let ip = ipPath, let r = try? runProcess(ip, ["netns", "list"], timeout: 20), r.status == 0 else { return [] }
        // Lines look like "mrmh-123-1-origin (id: 4)".
        return r.stdout.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
            .filter { $0.hasPrefix(prefix) }
    }

    /// Removes the namespaces (and the processes in them) and folders of earlier runs whose
    /// test process is gone: a run that crashed cannot clean up after itself. Returns the names
    /// removed.
    @discardableResult
    static func removeLeftovers() -> [String] {
        func stale(_ name: String) -> Bool {
            guard name.hasPrefix(prefix), let pid = name.dropFirst(prefix.count).split(separator: "-").first.flatMap({ pid_t($0) }),
                  pid != getpid() else { return false }
            return kill(pid, 0) != 0 && errno == ESRCH
        }
        var removed: [String] = []
        if let ip = ipPath {
            let names = existingNamespaces().filter(stale)
            let failed = remove(names, ip: ip)
            removed += names.filter { ns in !failed.contains { $0.hasSuffix(ns) } }
        }
        let tmp = NSTemporaryDirectory()
        for folder in ((try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? []).filter(stale) {
            if (try? FileManager.default.removeItem(atPath: tmp + folder)) != nil { removed.append(tmp + folder) }
        }
        return removed
    }
}

struct MultiHostLabError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
