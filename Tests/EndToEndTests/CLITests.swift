import Foundation
import Testing
import TestSupport

/// The command-line tool, run as a user runs it: a separate process, real files.
@Suite("CLI")
struct CLITests {
    let bin = TestPaths.binary

    func write(_ text: String, name: String = "g.yaml") throws -> String {
        let dir = TestPaths.temporaryDirectory("cli")
        let path = dir + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func validateReportsEveryProblemWithItsPlaceAndExits1() async throws {
        let path = try write("""
            nodes:
              cam:
                kind: gst.capture
                widht: 320
              out:
                kind: frame.discard
                input: camera
            """)
        let r = try await run(bin, ["validate", path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("\(path):4:5: unknown option 'widht' for gst.capture (did you mean 'width'?)"))
        #expect(r.stderr.contains("\(path):7:12: input 'camera' of node 'out' does not exist"))
    }

    @Test func validateAcceptsGoodFilesAndChecksSeveralAtOnce() async throws {
        let good = try write("nodes:\n  cam: {kind: frame.generate}\n  out: {kind: frame.discard, input: cam}\n")
        let bad = try write("- not a graph\n", name: "list.yaml")
        let r = try await run(bin, ["validate", good, bad])
        #expect(r.status == 1)
        #expect(r.stdout.contains("\(good): ok (2 nodes, 1 edge)"))
        #expect(r.stderr.contains("\(bad):1:1: expected a mapping with 'nodes:' at the top level, found a list"))
        let ok = try await run(bin, ["validate", good])
        #expect(ok.status == 0)
    }

    @Test func validateSurvivesHostileFiles() async throws {
        let dir = TestPaths.temporaryDirectory("hostile")
        let empty = dir + "/empty.yaml"
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        let binary = dir + "/binary.yaml"
        _ = FileManager.default.createFile(atPath: binary, contents: Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919) }))
        let huge = dir + "/huge.yaml"
        _ = FileManager.default.createFile(atPath: huge, contents: Data(repeating: UInt8(ascii: "a"), count: 10_000_000))
        for (file, text) in [(empty, "file is empty"), (binary, "not valid UTF-8"), (huge, "too large")] {
            let r = try await run(bin, ["validate", file])
            #expect(r.status == 1, "\(file)")
            #expect(r.stderr.contains(text), "\(file): \(r.stderr)")
            #expect(!r.signaled)
        }
    }

    @Test func pluginsListsKindsAndOptionsFromTheDeclarations() async throws {
        let all = try await run(bin, ["plugins"])
        #expect(all.status == 0)
        for kind in ["gst.capture", "gst.record", "netgear.send", "netgear.receive", "frame.rate", "jpeg.encode"] {
            #expect(all.stdout.contains(kind), "\(kind) missing")
        }
        let one = try await run(bin, ["plugins", "frame.rate"])
        #expect(one.status == 0)
        #expect(one.stdout.contains("framerate"))
        #expect(one.stdout.contains("required"))
        let unknown = try await run(bin, ["plugins", "frame.rat"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("did you mean 'frame.rate'"))
    }

    @Test("the README's node reference is what `plugins --markdown` prints, so it cannot drift from the code")
    func readmeNodeReferenceIsCurrent() async throws {
        let generated = try await run(bin, ["plugins", "--markdown"])
        #expect(generated.status == 0)
        let readme = try String(contentsOfFile: TestPaths.root + "/README.md", encoding: .utf8)
        let start = try #require(readme.range(of: "### `gst.capture`"))
        let end = try #require(readme.range(of: "\n## Layout", range: start.upperBound..<readme.endIndex))
        let section = String(readme[start.lowerBound..<end.lowerBound]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(section == generated.stdout.trimmingCharacters(in: .whitespacesAndNewlines),
                "README.md is out of date: replace its node reference with `media-router plugins --markdown`")
    }

    @Test func graphPrintsDotAndMermaid() async throws {
        let path = try write("name: g\nnodes:\n  cam: {kind: frame.generate}\n  slow: {kind: frame.rate, input: cam, framerate: 5}\n  out: {kind: frame.discard, input: slow}\n")
        let dot = try await run(bin, ["graph", path, "--format", "dot"])
        #expect(dot.status == 0)
        #expect(dot.stdout.contains("digraph \"g\""))
        #expect(dot.stdout.contains("\"cam\" -> \"slow\""))
        let mermaid = try await run(bin, ["graph", path, "--format", "mermaid"])
        #expect(mermaid.stdout.hasPrefix("flowchart LR"))
        #expect(mermaid.stdout.contains("n_cam -->"))
    }

    @Test func runPrintsStatusAndSummaryAndEndsWithTheSource() async throws {
        let path = try write("nodes:\n  cam: {kind: frame.generate, width: 32, height: 24, framerate: 30, count: 45}\n  out: {kind: frame.discard, input: cam}\n")
        let r = try await run(bin, ["run", path, "--status", "always"], timeout: 20)
        #expect(r.status == 0)
        #expect(r.stdout.contains("Summary of 'g'"))
        #expect(r.stdout.contains("frame.discard"))
        #expect(r.stderr.contains("[00:01]"), "a status line each second: \(r.stderr)")
        let quiet = try await run(bin, ["run", path, "--quiet"], timeout: 20)
        #expect(quiet.status == 0)
        #expect(quiet.stdout.isEmpty && quiet.stderr.isEmpty)
    }

    @Test func durationStopsARunningGraph() async throws {
        let path = try write("nodes:\n  cam: {kind: frame.generate, width: 32, height: 24}\n  out: {kind: frame.discard, input: cam}\n")
        let r = try await run(bin, ["run", path, "--duration", "1.5"], timeout: eventCeiling)
        #expect(r.status == 0 && !r.timedOut, "\(r.stderr)")
        #expect(r.stdout.contains("Summary of 'g'"))
    }

    @Test func invalidGraphDoesNotRun() async throws {
        let path = try write("nodes:\n  cam: {kind: frame.generate, width: -1}\n")
        let r = try await run(bin, ["run", path], timeout: 20)
        #expect(r.status == 1)
        #expect(r.stderr.contains(":2:38: option 'width' of frame.generate: -1 is out of range"))
    }

    @Test func nodeThatCannotStartIsNamedAndExits1() async throws {
        let dir = TestPaths.temporaryDirectory("nostart")
        let path = dir + "/g.yaml"
        // A NetGear client whose secret key file others can read cannot start (validation
        // only checks that the key files are there).
        #expect(try runProcess(bin, ["keys", "generate", "--location", dir]).status == 0)
        chmod(dir + "/.vidgear/keys/private_keys/client.key_secret", 0o644)
        try """
            nodes:
              rx: {kind: netgear.receive, pattern: 2, secure_mode: 2, connect: "tcp://127.0.0.1:1", custom_cert_location: \(dir)}
              out: {kind: frame.discard, input: rx}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let r = try await run(bin, ["run", path], timeout: 20)
        #expect(r.status == 1)
        #expect(r.stderr.contains("node 'rx' (netgear.receive) failed to start"), "\(r.stderr)")
    }

    @Test func sigintStopsGracefullyWithExit0AndSecondSigintExitsAtOnce() async throws {
        let path = try write("nodes:\n  cam: {kind: frame.generate, width: 32, height: 24}\n  out: {kind: frame.discard, input: cam}\n")
        let p = ChildProcess(bin, ["run", path])
        try p.start()
        #expect(await p.output("running 'g'"))
        p.signal(SIGINT)
        let r = await p.finished()
        #expect(r.status == 0)
        #expect(r.stdout.contains("Summary of 'g'"))

        // A sink that never drains: the first SIGINT starts a graceful stop, the second exits now.
        let slow = try write("nodes:\n  cam: {kind: frame.generate, width: 32, height: 24}\n  out: {kind: frame.discard, input: {node: cam, queue: {size: 1000, policy: block}}, delay: 1s}\n", name: "slow.yaml")
        let stats = TestPaths.temporaryDirectory("slow-stats") + "/stats.json"
        let q = ChildProcess(bin, ["run", slow, "--drain-timeout", "60", "--stats-file", stats])
        try q.start()
        defer { q.kill() }
        // Frames are waiting in the slow sink's queue: a graceful stop would take 60 s.
        #expect(await eventually { (readStatsFile(stats)?["nodes"]?["cam"]?["frames_out"]?.intValue ?? 0) >= 10 }, "\(q.stderr)")
        q.signal(SIGINT)
        #expect(await q.output("stopping"))
        q.signal(SIGINT)
        // Well before the drain timeout: the second SIGINT did not wait for the queue.
        let r2 = await q.finished(timeout: eventCeiling)
        #expect(r2.status == 130 && !r2.timedOut, "exit \(r2.status): \(r2.stderr)")
    }

    @Test func sigtermStopsGracefully() async throws {
        let path = try write("nodes:\n  cam: {kind: frame.generate, width: 32, height: 24}\n  out: {kind: frame.discard, input: cam}\n")
        let p = ChildProcess(bin, ["run", path])
        try p.start()
        #expect(await p.output("running 'g'"))
        p.signal(SIGTERM)
        let r = await p.finished()
        #expect(r.status == 0)
    }
}

/// The example graphs, with the keys the README's journeys make: every one validates, so a
/// user who follows the README gets no error from `validate configs/*.yaml`.
@Suite("Example graphs with their keys")
struct ExampleGraphTests {
    let bin = TestPaths.binary

    @Test func everyConfigValidatesOnceTheJourneysMadeTheirKeys() async throws {
        let root = TestPaths.temporaryDirectory("configs-with-keys")
        try FileManager.default.copyItem(atPath: TestPaths.root + "/configs", toPath: root + "/configs")
        let steps: [[String]] = [
            ["keys", "generate", "--location", "keys"],
            ["keys", "add-client", "alice", "--location", "keys"],
            ["keys", "add-client", "recorder", "--location", "keys"],
            ["keys", "add-client", "relay1", "--location", "keys"],
            ["keys", "generate", "--location", "relay-keys"],
            ["keys", "add-client", "viewer", "--location", "relay-keys"],
            // What scripts/demo makes for configs/demo.yaml.
            ["keys", "generate", "--location", "demo/keys"],
            ["keys", "add-client", "viewer1", "--location", "demo/keys", "--bundle", "demo/clients/viewer1"],
            ["keys", "add-client", "viewer2", "--location", "demo/keys", "--bundle", "demo/clients/viewer2"],
            ["keys", "add-client", "recorder", "--location", "demo/keys", "--bundle", "demo/clients/recorder"],
        ]
        for dir in ["keys", "relay-keys", "demo/keys"] {
            try FileManager.default.createDirectory(atPath: root + "/" + dir, withIntermediateDirectories: true)
        }
        for step in steps {
            let r = try await run(bin, step, directory: root)
            try #require(r.status == 0, "media-router \(step.joined(separator: " ")): \(r.stderr)")
        }
        let configs = try FileManager.default.contentsOfDirectory(atPath: root + "/configs").filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(configs.count >= 8)
        let r = try await run(bin, ["validate"] + configs.map { "configs/" + $0 }, directory: root)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    }
}
