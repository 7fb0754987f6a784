import Foundation
import MediaRouter
import Testing
import TestSupport

/// A fresh age identity from the real age-keygen: its file and its recipient.
func ageIdentity(in folder: String, _ name: String) async throws -> (file: String, recipient: String) {
    let file = folder + "/" + name
    return try await onDedicatedThread {
        let made = try runProcess("/usr/bin/age-keygen", ["-o", file])
        #expect(made.status == 0, "\(made.stderr)")
        let printed = try runProcess("/usr/bin/age-keygen", ["-y", file])
        return (file, printed.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// Decrypts with the real `age -d`; the plaintext file, or nil with age's complaint recorded.
func ageDecrypt(_ file: String, identity: String, to output: String) async throws -> Bool {
    let r = try await onDedicatedThread { try runProcess("/usr/bin/age", ["-d", "-i", identity, "-o", output, file]) }
    #expect(r.status == 0, "age -d \(file): \(r.stderr)")
    return r.status == 0
}

/// Every file under `folder` (not folders), as names.
func allNames(in folder: String) -> [String] {
    ((FileManager.default.enumerator(atPath: folder)?.allObjects as? [String]) ?? [])
        .filter { !(try! (URL(fileURLWithPath: folder + "/" + $0).resourceValues(forKeys: [.isDirectoryKey]).isDirectory ?? false)) }
        .sorted()
}

extension GStreamerNodeTests {
    @Suite("gst.record encrypted")
    struct EncryptedRecordTests {
        struct Format: Sendable, CustomTestStringConvertible {
            var container: String
            var input: String
            var codec: String
            var codecName: String
            var recipients: Int
            var testDescription: String { "\(container)/\(codec) from \(input), \(recipients) recipient(s)" }
        }

        @Test("segments are age files that age -d decrypts to playable recordings holding every frame; no plaintext on disk", arguments: [
            Format(container: "mkv", input: "raw", codec: "h264", codecName: "h264", recipients: 1),
            Format(container: "mkv", input: "jpeg", codec: "auto", codecName: "jpeg", recipients: 2),
            Format(container: "ts", input: "raw", codec: "h264", codecName: "h264", recipients: 2),
            Format(container: "mkv", input: "raw", codec: "mjpeg", codecName: "jpeg", recipients: 1),
        ])
        func roundTripThroughAge(format: Format) async throws {
            let dir = TestPaths.temporaryDirectory("rec-age-\(format.container)-\(format.codec)")
            let keys = TestPaths.temporaryDirectory("rec-age-keys")
            defer { try? FileManager.default.removeItem(atPath: keys) }
            var identities: [(file: String, recipient: String)] = []
            for i in 0..<format.recipients { identities.append(try await ageIdentity(in: keys, "id\(i).txt")) }
            // One recipient inline, several through a recipients file.
            let target: String
            if identities.count == 1 {
                target = "encrypt_to: \(identities[0].recipient)"
            } else {
                try ("# the team\n" + identities.map(\.recipient).joined(separator: "\n") + "\n").write(toFile: dir + "/team.txt", atomically: true, encoding: .utf8)
                target = "encrypt_to_file: team.txt"
            }
            let graph = try await run("""
                nodes:
                  cam:
                    kind: gst.capture
                    source: videotestsrc is-live=true pattern=ball
                    width: 320
                    height: 240
                    framerate: 30
                    \(format.input == "jpeg" ? "format: JPEG" : "")
                  rec:
                    kind: gst.record
                    input: cam
                    path: clips/{node}-%H%M%S.\(format.container)
                    codec: \(format.codec)
                    segment_duration: 1s
                    \(target)
                """, baseDirectory: dir, until: "two finished segments and 75 frames") { graph in
                (graph.counters("rec")?.extra("segments") ?? 0) >= 2 && (graph.counters("rec")?.framesOut.load(ordering: .relaxed) ?? 0) >= 75
            }
            #expect(graph.runtime.failures.isEmpty, "\(graph.runtime.failures)")
            let names = allNames(in: dir + "/clips")
            #expect(names.count >= 3, "\(names)")
            #expect(names.allSatisfy { $0.hasSuffix(".\(format.container).age") }, "only encrypted files were written: \(names)")
            #expect(graph.counters("rec")?.extra("segments") == names.count)
            var frames = 0
            for name in names {
                let file = dir + "/clips/" + name
                let head = try #require(FileHandle(forReadingAtPath: file)).readData(ofLength: 22)
                #expect(head == Data("age-encryption.org/v1\n".utf8))
                for (index, identity) in identities.enumerated() {
                    let plain = keys + "/\(name).\(index).\(format.container)"
                    guard try await ageDecrypt(file, identity: identity.file, to: plain) else { continue }
                    let media = try await discovered(plain)
                    #expect(media.playable, "\(name)\n\(media.output)")
                    #expect(media.width == 320 && media.height == 240)
                    #expect(media.videoCodec?.lowercased().replacingOccurrences(of: ".", with: "").contains(format.codecName) == true,
                            "codec \(media.videoCodec ?? "?")")
                    if index == 0 { frames += try await frameCount(plain) }
                }
            }
            #expect(frames == graph.counters("rec")?.framesOut.load(ordering: .relaxed), "every frame pushed is in the decrypted files")
        }

        @Test("retention counts and deletes the encrypted segments of the template, and only those")
        func retention() async throws {
            let dir = TestPaths.temporaryDirectory("rec-age-keep")
            let keys = TestPaths.temporaryDirectory("rec-age-keys")
            defer { try? FileManager.default.removeItem(atPath: keys) }
            let identity = try await ageIdentity(in: keys, "id.txt")
            let old = Date(timeIntervalSinceNow: -3600)
            // An encrypted segment of an earlier run, and a plaintext file of the same name pattern.
            for name in ["rec-20200101-000000.mkv.age", "rec-20200101-000000.mkv"] {
                _ = FileManager.default.createFile(atPath: "\(dir)/\(name)", contents: Data("x".utf8), attributes: [.modificationDate: old])
            }
            let graph = try await run("""
                nodes:
                  cam:
                    kind: gst.capture
                    source: videotestsrc is-live=true
                    width: 160
                    height: 120
                    framerate: 30
                  rec:
                    kind: gst.record
                    input: cam
                    path: "{node}-%Y%m%d-%H%M%S.mkv"
                    segment_duration: 1s
                    max_files: 2
                    encrypt_to: [\(identity.recipient)]
                """, baseDirectory: dir, until: "four finished segments") { graph in (graph.counters("rec")?.extra("segments") ?? 0) >= 4 }
            let kept = allNames(in: dir).filter { $0.hasSuffix(".mkv.age") }
            #expect(kept.count == 2, "\(kept)")
            #expect(!kept.contains("rec-20200101-000000.mkv.age"), "the earlier run's segment was the oldest")
            #expect(FileManager.default.fileExists(atPath: "\(dir)/rec-20200101-000000.mkv"), "plaintext files are not this template's")
            let segments = graph.counters("rec")?.extra("segments") ?? 0
            #expect(graph.counters("rec")?.extra("deleted") == segments + 1 - 2)
            for name in kept {
                #expect(try await ageDecrypt(dir + "/" + name, identity: identity.file, to: keys + "/" + name + ".mkv"))
            }
        }

        @Test("max_unwritten closes a segment early when its chunk fills too slowly, so a crash cannot lose more")
        func maxUnwrittenClosesSegmentsEarly() async throws {
            let dir = TestPaths.temporaryDirectory("rec-age-early")
            let keys = TestPaths.temporaryDirectory("rec-age-keys")
            defer { try? FileManager.default.removeItem(atPath: keys) }
            let identity = try await ageIdentity(in: keys, "id.txt")
            // About 10 kB/s: a 64 KiB chunk would take seconds to fill; there is no segment_duration.
            let graph = try await run("""
                nodes:
                  cam:
                    kind: gst.capture
                    source: videotestsrc is-live=true pattern=ball
                    width: 160
                    height: 120
                    framerate: 30
                  rec:
                    kind: gst.record
                    input: cam
                    path: low.mkv
                    codec: h264
                    bitrate: 80
                    keyframe_interval: 0.5s
                    max_unwritten: 1s
                    encrypt_to: \(identity.recipient)
                """, baseDirectory: dir, until: "three segments closed early") { graph in (graph.counters("rec")?.extra("segments") ?? 0) >= 3 }
            let names = allNames(in: dir).filter { $0.hasSuffix(".mkv.age") }
            #expect(names.count >= 4, "\(names)")
            var frames = 0
            for name in names {
                let plain = keys + "/" + name + ".mkv"
                guard try await ageDecrypt(dir + "/" + name, identity: identity.file, to: plain) else { continue }
                // Closed early means small: no segment waited for a whole chunk.
                let size = (try FileManager.default.attributesOfItem(atPath: plain)[.size] as? Int) ?? 0
                #expect(size < 65536, "\(name): \(size) bytes")
                frames += try await frameCount(plain)
            }
            #expect(frames == graph.counters("rec")?.framesOut.load(ordering: .relaxed))
        }

        struct Case: Sendable, CustomTestStringConvertible {
            var name: String
            var option: String
            var setup: @Sendable (String) throws -> Void = { _ in }
            var container: String = "mkv"
            var line: Int = 10
            var column: Int
            var message: String
            var testDescription: String { name }
        }

        static let identity = "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0"
        static let recipient = "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq"

        static let cases: [Case] = [
            Case(name: "malformed recipient", option: "encrypt_to: age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gx", column: 17,
                 message: "option 'encrypt_to' of gst.record: 'age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gx': not an age recipient: its checksum is wrong"),
            Case(name: "not a key at all", option: "encrypt_to: [\(recipient), my-laptop]", column: 17,
                 message: "option 'encrypt_to' of gst.record: entry 2 'my-laptop': not an age recipient"),
            Case(name: "identity where a recipient belongs", option: "encrypt_to: \(identity)", column: 17,
                 message: "option 'encrypt_to' of gst.record: this is an age identity (a secret key that decrypts), not a recipient"),
            Case(name: "unreadable recipients file", option: "encrypt_to_file: missing.txt", column: 22,
                 message: "option 'encrypt_to_file' of gst.record: cannot read the recipients file"),
            Case(name: "identity in the recipients file", option: "encrypt_to_file: keys.txt",
                 setup: { try "# ok\n\(recipient)\n\(identity)\n".write(toFile: $0 + "/keys.txt", atomically: true, encoding: .utf8) }, column: 22,
                 message: "option 'encrypt_to_file' of gst.record: recipients file "),
            Case(name: "empty recipients file", option: "encrypt_to_file: keys.txt",
                 setup: { try "# nobody\n".write(toFile: $0 + "/keys.txt", atomically: true, encoding: .utf8) }, column: 22,
                 message: "option 'encrypt_to_file' of gst.record: the recipients file"),
            Case(name: ".age name without encryption", option: "fsync: false", container: "mkv.age", line: 9, column: 11,
                 message: "option 'path' of gst.record: the file name ends in .age but the recording is not encrypted"),
            Case(name: "max_unwritten without encryption", option: "max_unwritten: 1s", column: 20,
                 message: "option 'max_unwritten' of gst.record applies only to encrypted recordings"),
            Case(name: "a container that seeks back", option: "encrypt_to: \(recipient)", container: "mp4", line: 9, column: 11,
                 message: "option 'container' of gst.record: encrypted recordings must be written strictly forward"),
        ]

        @Test(arguments: cases)
        func locatedError(_ c: Case) throws {
            let dir = TestPaths.temporaryDirectory("rec-age-bad")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try c.setup(dir)
            let yaml = """
                nodes:
                  cam:
                    kind: gst.capture
                    width: 320
                    height: 240
                  rec:
                    kind: gst.record
                    input: cam
                    path: clips/a.\(c.container)
                    \(c.option)
                """
            let errors = diagnostics(yaml, baseDirectory: dir).filter { $0.severity == .error }
            let match = errors.first { $0.message.hasPrefix(c.message) }
            #expect(match != nil, "expected an error starting \"\(c.message)\", got: \(errors.map(\.description))")
            if let match { #expect(match.description.hasPrefix("g.yaml:\(c.line):\(c.column): "), "\(match.description)") }
            #expect(errors.count == 1, "\(errors.map(\.description))")
            // A secret key never reaches a message.
            #expect(!errors.contains { $0.message.contains(Self.identity) })
            if c.name == "identity in the recipients file" { #expect(match?.message.contains("line 3:") == true, "\(match?.message ?? "")") }
        }

        @Test("a good recipient validates")
        func goodRecipientValidates() {
            let yaml = """
                nodes:
                  cam:
                    kind: gst.capture
                  rec:
                    kind: gst.record
                    input: cam
                    path: clips/a.ts
                    encrypt_to: [\(Self.recipient)]
                """
            #expect(diagnostics(yaml).filter { $0.severity == .error }.isEmpty)
            // A name that already ends in .age is the same recording (the mp4 refusal shows the
            // container still comes from the extension before it).
            #expect(diagnostics(yaml.replacingOccurrences(of: "a.ts", with: "a.ts.age")).filter { $0.severity == .error }.isEmpty)
            let mp4 = diagnostics(yaml.replacingOccurrences(of: "a.ts", with: "a.mp4.age")).filter { $0.severity == .error }
            #expect(mp4.count == 1 && mp4[0].message.contains("strictly forward"), "\(mp4)")
        }
    }
}
