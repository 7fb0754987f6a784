import Foundation
import MediaRouter
import Testing
import TestSupport

private func fileSize(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
}

/// Recordings that cannot be written, or whose files vanish while they are written, with the
/// real binary in a separate process.
@Suite("Recording failures end to end", .serialized)
struct RecordingFailureTests {
    let bin = TestPaths.binary

    /// A folder that exists but can never hold a file (here a link into /proc, made by a `%%`
    /// folder the check of the graph cannot foresee) fails the recorder after its restarts, and
    /// with it the run.
    @Test func aRecorderThatCanNeverWriteFailsTheRun() async throws {
        let dir = TestPaths.temporaryDirectory("rec-never")
        try FileManager.default.createSymbolicLink(atPath: dir + "/100%", withDestinationPath: "/proc")
        let graph = dir + "/g.yaml"
        try """
            nodes:
              cam: {kind: gst.capture, width: 160, height: 120, framerate: 30}
              rec: {kind: gst.record, input: cam, path: "\(dir)/100%%/rec-%H%M%S.mkv"}
            """.write(toFile: graph, atomically: true, encoding: .utf8)
        #expect(try await run(bin, ["validate", graph]).status == 0, "the path itself is fine when checked")
        let p = ChildProcess(bin, ["run", graph])
        try p.start()
        let ended = await eventually(timeout: eventCeiling) { !p.process.isRunning }
        let r = await p.finished()
        #expect(ended, "the run ended by itself: \(r.stderr)")
        #expect(r.status == 1, "\(r.stderr)")
        let failure = r.stderr.split(separator: "\n").first { $0.hasPrefix("error: node 'rec' failed: ") }
        #expect(failure?.contains("\(dir)/100%/rec-") == true, "the error names the file: \(r.stderr)")
        #expect(failure?.contains("cannot hold files") == true, "and says why: \(r.stderr)")
        #expect(failure?.contains("gave up after 3 restarts") == true, "\(r.stderr)")
        #expect(r.stdout.contains("Summary of 'g'"), "\(r.stdout)")
        let details = r.stdout.split(separator: "\n").first { $0.hasPrefix("  rec: ") }
        #expect(details?.contains("failed=") == true, "the summary shows the recorder failed: \(r.stdout)")
        #expect(details?.contains("gave up after 3 restarts") == true, "\(r.stdout)")
    }

    @Test("a recording folder deleted mid-run loses only the open file, and recording goes on in a new one",
          arguments: ["", "segment_duration: 1s"])
    func deletedFolder(segments: String) async throws {
        let dir = TestPaths.temporaryDirectory("rec-vanish")
        let out = dir + "/out"
        let graph = dir + "/g.yaml"
        try """
            nodes:
              cam: {kind: gst.capture, width: 160, height: 120, framerate: 30}
              rec:
                kind: gst.record
                input: cam
                path: "\(out)/rec-%H%M%S.mkv"
                \(segments)
            """.write(toFile: graph, atomically: true, encoding: .utf8)
        let p = ChildProcess(bin, ["run", graph])
        try p.start()
        #expect(await eventually(timeout: eventCeiling) { recordedFiles(out).contains { fileSize($0) > 0 } }, "\(p.stderr)")
        let lost = try #require(recordedFiles(out).first)
        try FileManager.default.removeItem(atPath: out)
        let resumed = await eventually(timeout: eventCeiling) { recordedFiles(out).contains { fileSize($0) > 0 } }
        #expect(resumed, "a new file appeared in the recreated folder: \(p.stderr)")
        p.signal(SIGINT)
        let stopped = await eventually(timeout: eventCeiling) { !p.process.isRunning }
        let r = await p.finished()
        #expect(stopped && r.status == 0, "\(r.stderr)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.contains { $0.contains("WARNING") && $0.contains("lost \(lost)") }, "the lost file is named: \(r.stderr)")
        #expect(!lines.contains { $0.contains("closed segment \(lost)") }, "the lost file is not a finished segment: \(r.stderr)")
        let details = r.stdout.split(separator: "\n").first { $0.hasPrefix("  rec: ") } ?? ""
        #expect(details.contains("lost_segments=1"), "\(r.stdout)")
        let kept = recordedFiles(out)
        #expect(!kept.isEmpty && !kept.contains(lost))
        if segments.isEmpty {
            #expect(details.contains(" segments=1 "), "only the file recorded after the loss is a finished segment: \(r.stdout)")
        }
        for file in kept {
            let media = try discover(file)
            #expect(media.playable, "\(file): \(media.output)")
        }
    }
}
