import Foundation
import Testing
import TestSupport

/// `media-router plan OLD NEW`, run as a user runs it: what a reload would do, checked before saving.
@Suite("CLI: plan")
struct PlanCLITests {
    let bin = TestPaths.binary

    static let old = """
        name: plan
        nodes:
          camera: {kind: frame.generate, width: 64, height: 48}
          jpeg: {kind: jpeg.encode, input: camera, quality: 85}
          out: {kind: frame.discard, input: jpeg}
          old: {kind: frame.discard, input: camera}
        """

    static let new = """
        name: plan
        nodes:
          camera: {kind: frame.generate, width: 64, height: 48}
          jpeg: {kind: jpeg.encode, input: camera, quality: 70}
          out: {kind: frame.discard, input: jpeg}
          archive2: {kind: frame.discard, input: jpeg}
        """

    func write(_ text: String, in dir: String, name: String) throws -> String {
        let path = dir + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func printsOneLineANodeAndASummary() async throws {
        let dir = TestPaths.temporaryDirectory("plan-text")
        let old = try write(Self.old, in: dir, name: "old.yaml"), new = try write(Self.new, in: dir, name: "new.yaml")
        let r = try await run(bin, ["plan", old, new])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == """
            keep     camera
            restart  jpeg: option quality changed (85→70)
            keep     out
            add      archive2 (frame.discard)
            remove   old (frame.discard)
            1 to restart, 1 to add, 1 to remove, 2 kept

            """)
        let same = try await run(bin, ["plan", old, old])
        #expect(same.status == 0, "\(same.stderr)")
        #expect(same.stdout.hasSuffix("nothing changes (4 kept)\n"))
    }

    @Test func printsJSONThatParses() async throws {
        let dir = TestPaths.temporaryDirectory("plan-json")
        let old = try write(Self.old, in: dir, name: "old.yaml"), new = try write(Self.new, in: dir, name: "new.yaml")
        let r = try await run(bin, ["plan", old, new, "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let nodes = try #require(object["nodes"] as? [[String: Any]])
        #expect(nodes.map { $0["name"] as? String } == ["camera", "jpeg", "out", "archive2", "old"])
        #expect(nodes.map { $0["action"] as? String } == ["keep", "replace", "keep", "add", "remove"])
        let reasons = try #require(nodes[1]["reasons"] as? [[String: Any]])
        let changed = try #require(reasons.first?["optionChanged"] as? [String: Any])
        #expect(changed["name"] as? String == "quality")
        let edges = try #require(object["edges"] as? [[String: Any]])
        #expect(Set(edges.map { "\($0["from"] ?? "")→\($0["to"] ?? "")" }) == ["jpeg→archive2", "camera→old"])
    }

    @Test func anInvalidNewGraphExits1WithLocatedErrorsAndChangesNothing() async throws {
        let dir = TestPaths.temporaryDirectory("plan-invalid")
        let old = try write(Self.old, in: dir, name: "old.yaml")
        let new = try write(Self.new.replacingOccurrences(of: "quality: 70", with: "qualty: 70"), in: dir, name: "new.yaml")
        let r = try await run(bin, ["plan", old, new])
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty, "no plan for a graph that does not validate: \(r.stdout)")
        #expect(r.stderr.contains("\(new):4:44: unknown option 'qualty' for jpeg.encode (did you mean 'quality'?)"), "\(r.stderr)")
        #expect(r.stderr.contains("\(new): the new graph does not validate: nothing would change"), "\(r.stderr)")
        // The same error text as validate gives.
        let v = try await run(bin, ["validate", new])
        let located = v.stderr.split(separator: "\n").filter { $0.hasPrefix(new + ":4:") }
        #expect(!located.isEmpty && located.allSatisfy { r.stderr.contains($0) }, "\(v.stderr)")

        let badOld = try await run(bin, ["plan", new, old])
        #expect(badOld.status == 1)
        #expect(badOld.stderr.contains("\(new): the old graph does not validate"), "\(badOld.stderr)")
    }

    @Test func theNewFileResolvesRelativePathsAsIfSavedOverTheOld() async throws {
        // An edit kept elsewhere (in /tmp) until it is saved: its relative paths are the old file's.
        let repo = TestPaths.temporaryDirectory("plan-paths")
        let scratch = TestPaths.temporaryDirectory("plan-scratch")
        let yaml = "nodes:\n  cam: {kind: frame.generate}\n  rec: {kind: gst.record, input: cam, path: recordings/x.mkv, segment_duration: 10s}\n"
        let old = try write(yaml, in: repo, name: "g.yaml")
        let new = try write(yaml.replacingOccurrences(of: "10s", with: "30s"), in: scratch, name: "g-edit.yaml")
        let r = try await run(bin, ["plan", old, new])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("restart  rec: option segment_duration changed (10s→30s)\n"), "\(r.stdout)")
        #expect(!r.stdout.contains("option path"), "\(r.stdout)")
    }
}
