import Foundation
import MediaRouter
import Testing
import TestSupport

/// Encrypted recordings made by the real binary, killed with SIGKILL, then checked and
/// recovered with `media-router recordings` and the real `age`.
@Suite("Encrypted recording end to end", .serialized)
struct EncryptedRecordingTests {
    let bin = TestPaths.binary

    func stat(_ path: String, _ node: String, _ key: String) -> Int {
        Int(readStatsFile(path)?["nodes"]?[node]?[key]?.intValue ?? 0)
    }

    /// Where the payload of an age file starts: after the MAC line and the 16-byte nonce.
    func payloadStart(_ bytes: [UInt8]) -> Int {
        let mac = Array("\n--- ".utf8)
        var i = 0
        while !bytes[i..<(i + mac.count)].elementsEqual(mac) { i += 1 }
        return bytes[(i + 1)...].firstIndex(of: 0x0A)! + 1 + 16
    }

    @Test func sigkillThenRecoverAndVerify() async throws {
        let dir = TestPaths.temporaryDirectory("age-kill")
        let keys = TestPaths.temporaryDirectory("age-kill-keys")
        defer { try? FileManager.default.removeItem(atPath: keys) }
        #expect(try await run("/usr/bin/age-keygen", ["-o", keys + "/id.txt"]).status == 0)
        let recipient = try await run("/usr/bin/age-keygen", ["-y", keys + "/id.txt"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let graph = dir + "/g.yaml"
        let statsPath = dir + "/stats.json"
        try """
            nodes:
              cam: {kind: gst.capture, source: videotestsrc is-live=true pattern=ball, width: 320, height: 240, framerate: 30}
              rec: {kind: gst.record, input: cam, path: "\(dir)/rec-%H%M%S.mkv", codec: mjpeg, segment_duration: 2s, encrypt_to: \(recipient)}
            """.write(toFile: graph, atomically: true, encoding: .utf8)
        let p = ChildProcess(bin, ["run", graph, "--stats-file", statsPath])
        try p.start()
        defer { p.kill() }
        // Killed a second into its third 2 s segment: 30 frames of about 4.5 kB, two chunks written.
        #expect(await eventually { stat(statsPath, "rec", "frames_in") >= 150 || !p.process.isRunning }, "\(p.stderr)")
        let before = stat(statsPath, "rec", "frames_in")
        p.signal(SIGKILL)
        let r = await p.finished()
        #expect(r.signaled)
        #expect(!p.stderr.contains(recipient.dropFirst(4).prefix(20)) || p.stderr.contains("…"), "keys are logged as fingerprints")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix("rec-") }.sorted()
        #expect(names.count >= 3 && names.allSatisfy { $0.hasSuffix(".mkv.age") }, "\(names)")
        guard let killed = names.last else { return }
        var frames = 0
        var finishedBytes = 0
        var finishedFrames = 0
        for name in names.dropLast() {
            let file = dir + "/" + name
            let v = try await run(bin, ["recordings", "verify", file, "--identity", keys + "/id.txt"])
            #expect(v.status == 0 && v.stdout.contains(": complete ("), "\(v.stdout)\(v.stderr)")
            let plain = keys + "/" + name + ".mkv"
            let d = try await run("/usr/bin/age", ["-d", "-i", keys + "/id.txt", "-o", plain, file])
            #expect(d.status == 0, "\(d.stderr)")
            let n = try await onDedicatedThread { try countFrames(plain) }
            frames += n
            finishedFrames += n
            finishedBytes += (try FileManager.default.attributesOfItem(atPath: plain)[.size] as? Int) ?? 0
        }
        // The segment being written: age refuses it, verify says where it ends, recover reads it.
        let killedFile = dir + "/" + killed
        let refused = try await run("/usr/bin/age", ["-d", "-i", keys + "/id.txt", "-o", keys + "/refused.mkv", killedFile])
        #expect(refused.status != 0, "age -d refuses a file without its last chunk")
        let v = try await run(bin, ["recordings", "verify", killedFile, "--identity", keys + "/id.txt"])
        #expect(v.status == 1)
        #expect(v.stdout.contains(": truncated at chunk ") || v.stdout.contains("(or cut short while that chunk was written)"), "\(v.stdout)")
        let recovered = keys + "/recovered.mkv"
        let rec = try await run(bin, ["recordings", "recover", killedFile, "--identity", keys + "/id.txt", "-o", recovered])
        #expect(rec.status == 0 || rec.stdout.contains("cut short while"), "\(rec.stdout)\(rec.stderr)")
        let media = try await onDedicatedThread { try discover(recovered) }
        let tail = try await onDedicatedThread { try countFrames(recovered) }
        #expect(tail > 0 && media.width == 320, "the recovered file plays: \(media.output)")
        frames += tail
        // At most the chunk being filled (64 KiB of the stream) and what the muxer held is lost,
        // plus up to 250 ms the stats file lags: allowed, one second of frames or one chunk's worth.
        let bytesPerFrame = max(1, finishedBytes / max(1, finishedFrames))
        let chunkFrames = 65536 / bytesPerFrame + 1
        let lost = before - frames
        print("encrypted SIGKILL: \(before) frames in, \(frames) recovered, \(lost) lost; \(bytesPerFrame) B/frame, a chunk holds \(chunkFrames) frames")
        #expect(frames >= before - max(30, chunkFrames) - 8, "\(frames) frames recovered, \(before) received before the kill")

        // A copy cut after two chunks, and copies with one byte flipped, of a finished segment.
        let whole = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/" + names[1])))
        let start = payloadStart(whole)
        try #require(whole.count > start + 3 * 65552, "a finished 2 s MJPEG segment spans several chunks (\(whole.count) bytes)")
        try Data(whole[..<(start + 2 * 65552)]).write(to: URL(fileURLWithPath: keys + "/cut.mkv.age"))
        var flipped = whole
        flipped[start + 65552 + 1000] ^= 0x20
        try Data(flipped).write(to: URL(fileURLWithPath: keys + "/flip-chunk.mkv.age"))
        // One character of the header's MAC changed to another base64 character (a flipped bit
        // could make it no base64 at all, which is "unreadable", not "tampered").
        var header = whole
        header[start - 30] = header[start - 30] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        try Data(header).write(to: URL(fileURLWithPath: keys + "/flip-header.mkv.age"))
        var last = whole
        last[whole.count - 5] ^= 0x80
        try Data(last).write(to: URL(fileURLWithPath: keys + "/flip-last.mkv.age"))
        let all = try await run(bin, ["recordings", "verify", keys + "/cut.mkv.age", keys + "/flip-chunk.mkv.age", keys + "/flip-header.mkv.age",
                                      keys + "/flip-last.mkv.age", "--identity", keys + "/id.txt"])
        #expect(all.status == 1)
        let lines = all.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(all.stdout)")
        #expect(lines.first { $0.contains("/cut.mkv.age: truncated at chunk 2:") } != nil, "\(all.stdout)")
        #expect(lines.first { $0.contains("/flip-chunk.mkv.age: tampered at chunk 1:") } != nil, "\(all.stdout)")
        #expect(lines.first { $0.contains("/flip-header.mkv.age: tampered at the header") } != nil, "\(all.stdout)")
        #expect(lines.first { $0.contains("/flip-last.mkv.age: tampered at chunk ") } != nil, "\(all.stdout)")
        // recover stops at the altered chunk and keeps what came before it.
        let partial = try await run(bin, ["recordings", "recover", keys + "/flip-chunk.mkv.age", "-i", keys + "/id.txt", "-o", keys + "/partial.mkv"])
        #expect(partial.status == 1 && partial.stdout.contains("tampered at chunk 1"), "\(partial.stdout)")
        let partialSize = (try FileManager.default.attributesOfItem(atPath: keys + "/partial.mkv")[.size] as? Int) ?? 0
        #expect(partialSize == 65536)
        #expect(try await onDedicatedThread { try countFrames(keys + "/partial.mkv") } > 0)
    }
}
