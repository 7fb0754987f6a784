import Foundation
import MediaRouter
import Testing
import TestSupport

/// `media-router run` with a graph file that changes under it: bad edits, SIGHUP, --no-watch,
/// and a storm of edits, watched through the stats file and the log.
@Suite("Live reload from the command line", .serialized)
struct ReloadCLITests {
    static func graph(fps: Int = 50, label: String = "a", extra: String = "") -> String {
        """
        name: live-cli
        nodes:
          gen: {kind: frame.generate, width: 64, height: 48, framerate: \(fps)}
          keep: {kind: frame.discard, input: gen}
          change: {kind: frame.discard, input: gen, delay: \(label == "a" ? "0s" : "1ms")}
        \(extra)
        """
    }

    func start(_ tree: FanoutTree, _ text: String, _ args: [String] = []) async throws -> (FanoutRun, String) {
        let config = try tree.writeConfig("live.yaml", text)
        let run = FanoutRun(tree, config: config, name: "live", arguments: args)
        try run.start()
        try #require(await run.waitForStats { $0.int("keep", "frames_out") >= 10 } != nil, "\(run.logTail)")
        return (run, config)
    }

    @Test func badEditsKeepTheRunningGraphAndAreLocated() async throws {
        let tree = try FanoutTree("live-bad")
        let (run, config) = try await start(tree, Self.graph())
        defer { run.kill() }
        let cases: [(String, String, String)] = [
            ("syntax error", "name: live-cli\nnodes:\n  gen: {kind: frame.generate\n", "live.yaml:"),
            ("unknown option", Self.graph().replacingOccurrences(of: "framerate: 50", with: "framerate: 50, colour: red"), "live.yaml:4:"),
            ("a cycle", "name: live-cli\nnodes:\n  a: {kind: jpeg.encode, input: b}\n  b: {kind: jpeg.encode, input: a}\n  gen: {kind: frame.generate}\n", "live.yaml:"),
        ]
        var failed = 0
        for (what, text, location) in cases {
            try saveAtomically(text, to: config)
            failed += 1
            #expect(await run.waitForStats { $0.reloadsFailed >= failed } != nil, "\(what): no refusal; \(run.logTail)")
            #expect(run.stderr.contains("reload refused"), "\(what)")
            #expect(run.stderr.contains(location), "\(what): the error is not located: \(run.logTail)")
            let before = run.int("keep", "frames_out")
            #expect(await run.waitForStats { $0.int("keep", "frames_out") >= before + 10 } != nil, "\(what): the graph stopped")
        }
        // Deleted, then recreated: the deletion is noticed and changes nothing; the new file is read.
        try FileManager.default.removeItem(atPath: config)
        #expect(await run.child.output("is gone"), "\(run.logTail)")
        try saveAtomically(Self.graph(label: "b"), to: config)
        #expect(await run.waitForStats { $0.reloadsApplied >= 1 } != nil, "\(run.logTail)")
        // Half a file, then the rest: the half is refused, the whole applied.
        let whole = Self.graph(label: "a")
        let cut = whole.index(whole.startIndex, offsetBy: whole.count / 2)
        let handle = try #require(FileHandle(forWritingAtPath: config))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(whole[..<cut].utf8))
        failed += 1
        #expect(await run.waitForStats { $0.reloadsFailed >= failed } != nil, "half a file was not refused: \(run.logTail)")
        try handle.write(contentsOf: Data(whole[cut...].utf8))
        try handle.close()
        #expect(await run.waitForStats { $0.reloadsApplied >= 2 } != nil, "\(run.logTail)")
        let s = try #require(run.stats)
        #expect(s.int("keep", "replacements") == 0 && s.int("gen", "replacements") == 0)
        #expect(s.int("change", "replacements") == 2)
        run.requestStop()
        let r = await run.stop()
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Reloads: 2 applied, \(failed) refused"), "\(r.stdout)")
    }

    @Test func sighupReloadsAndNoWatchIgnoresSaves() async throws {
        let tree = try FanoutTree("live-hup")
        let (run, config) = try await start(tree, Self.graph(), ["--no-watch"])
        defer { run.kill() }
        try saveAtomically(Self.graph(label: "b"), to: config)
        // A marker that the save was seen if it were watched: SIGHUP now applies it, and it is
        // the only reload.
        run.child.signal(SIGHUP)
        #expect(await run.waitForStats { $0.reloadsApplied >= 1 } != nil, "\(run.logTail)")
        #expect(run.stats?.int("change", "replacements") == 1)
        #expect(run.stderr.contains("SIGHUP: reloading"))
        // Another save with no signal; then a SIGHUP of an unchanged file: one more reload
        // attempt, without change, and still one applied.
        try saveAtomically(Self.graph(label: "b") + "\n# a comment\n", to: config)
        run.child.signal(SIGHUP)
        #expect(await run.child.output("reload (signal): no change"), "\(run.logTail)")
        #expect(run.stats?.reloadsApplied == 1)
        run.requestStop()
        #expect(await run.stop().status == 0)
    }

    /// Threads and open descriptors of a process, from /proc.
    static func resources(_ pid: Int32) -> (threads: Int, fds: Int) {
        let threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task").count) ?? -1
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
        return (threads, fds)
    }

    /// Names of the process's node threads ("node:NAME", truncated by the kernel to 15 bytes).
    static func nodeThreads(_ pid: Int32) -> [String] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.compactMap { t in
            (try? String(contentsOfFile: "/proc/\(pid)/task/\(t)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }.filter { $0.hasPrefix("node:") }.sorted()
    }

    /// 200 random edits, valid and invalid, while a receiver watches an unchanged path: no
    /// crash, no thread or descriptor left behind, the unchanged nodes never restarted.
    @Test func aStormOfEditsLeaksNothing() async throws {
        let tree = try FanoutTree("live-storm")
        let (run, config) = try await start(tree, Self.graph())
        defer { run.kill() }
        let pid = run.child.process.processIdentifier
        // One reload of each shape first, so the process has made what it keeps (thread pools).
        try saveAtomically(Self.graph(label: "b", extra: "  more: {kind: frame.discard, input: gen}"), to: config)
        #expect(await run.waitForStats { $0.reloadsApplied >= 1 } != nil)
        try saveAtomically(Self.graph(), to: config)
        #expect(await run.waitForStats { $0.reloadsApplied >= 2 } != nil)
        let baseline = Self.resources(pid)
        var rng = SystemRandomNumberGenerator()
        var applied = 2, refused = 0, unchanged = 0
        var current = Self.graph()
        var onDisk = current
        for i in 0..<200 {
            let roll = Int.random(in: 0..<5, using: &rng)
            let next: String
            switch roll {
            case 0: next = "nodes:\n  gen: {kind: frame.generate, width: [\n"               // syntax
            case 1: next = Self.graph(extra: "  bad: {kind: frame.discard, input: nowhere}") // unknown input
            case 2: next = Self.graph(label: current.contains("1ms") ? "a" : "b")             // replace
            case 3: next = Self.graph(label: "a", extra: "  extra\(i): {kind: frame.discard, input: gen}") // add
            default: next = Self.graph(label: "a")                                            // back
            }
            // The watcher reacts to a change of the file's contents.
            if next == onDisk { continue }
            try saveAtomically(next, to: config)
            onDisk = next
            if roll < 2 { refused += 1 } else if next == current { unchanged += 1 } else { applied += 1; current = next }
            let ok = await run.waitForStats {
                $0.reloadsApplied >= applied && $0.reloadsFailed >= refused && Int($0.json["reloads"]?["unchanged"]?.intValue ?? 0) >= unchanged
            }
            try #require(ok != nil, "edit \(i) not handled: \(run.logTail)")
        }
        if onDisk != Self.graph() {
            try saveAtomically(Self.graph(), to: config)
            if current != Self.graph() { applied += 1 }
        }
        #expect(await run.waitForStats { $0.reloadsApplied >= applied } != nil)
        #expect(run.isRunning)
        let s = try #require(run.stats)
        #expect(s.int("gen", "replacements") == 0 && s.int("keep", "replacements") == 0)
        #expect(s.int("keep", "restarts") == 0)
        // Back at the first shape: one thread per node, and no more threads or descriptors than
        // then (threads of removed nodes end just after their reload, so wait for them; Swift's
        // own pool may have fewer threads by then).
        let settled = await eventually {
            let now = Self.resources(pid)
            return now.threads <= baseline.threads && now.fds <= baseline.fds && Self.nodeThreads(pid) == ["node:change", "node:gen", "node:keep"]
        }
        #expect(settled, "threads/fds \(Self.resources(pid)) after the storm, \(baseline) before; node threads \(Self.nodeThreads(pid))")
        print("reload storm: \(applied) applied, \(refused) refused; threads/fds before \(baseline), after \(Self.resources(pid))")
        let before = run.int("keep", "frames_out")
        #expect(await run.waitForStats { $0.int("keep", "frames_out") >= before + 10 } != nil)
        run.requestStop()
        #expect(await run.stop().status == 0)
    }
}
