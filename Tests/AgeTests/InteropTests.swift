import Foundation
import TestSupport
import Testing
@testable import Age

/// Against the real `age` and `age-keygen` (Debian's package): keys it makes we use, files we
/// write it decrypts, files it writes we read; truncated and altered files are told apart.
struct InteropTests {
    static let age = "/usr/bin/age"
    static let keygen = "/usr/bin/age-keygen"

    static func plaintext(_ count: Int, seed: UInt8 = 7) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed) &+ ($0 >> 8)) }
    }

    /// A fresh identity file from age-keygen, and the recipient it prints.
    static func keygenIdentity(_ folder: String, _ name: String = "id.txt") throws -> (path: String, recipient: String) {
        let path = folder + "/" + name
        let r = try runProcess(keygen, ["-o", path])
        #expect(r.status == 0, "\(r.stderr)")
        let y = try runProcess(keygen, ["-y", path])
        return (path, y.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static func encrypt(_ plain: [UInt8], to recipients: [X25519Recipient], path: String) throws {
        let sink = try FileSink(path: path)
        let writer = try AgeWriter(recipients: recipients, output: sink.write)
        // Uneven pieces, as a muxer hands them over.
        var offset = 0
        var step = 1
        while offset < plain.count {
            let n = min(step, plain.count - offset)
            try writer.write(Array(plain[offset..<(offset + n)]))
            offset += n
            step = step * 7 % 9000 + 1
        }
        try writer.finish()
        try sink.close()
    }

    static func readAll(_ path: String, _ identities: [X25519Identity]) throws -> ([UInt8], PayloadOutcome) {
        let reader = try AgeReader(path: path, identities: identities)
        var out: [UInt8] = []
        let outcome = try reader.decrypt { out += $0 }
        return (out, outcome)
    }

    @Test func keysFromAgeKeygenParseAndMatch() throws {
        let folder = TestPaths.temporaryDirectory("age-keys")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (path, printed) = try Self.keygenIdentity(folder)
        let identities = try KeyFiles.identities(in: String(contentsOfFile: path, encoding: .utf8))
        #expect(identities.count == 1)
        #expect(identities[0].recipient.description == printed)
        #expect(try X25519Recipient(printed).description == printed)
        // Our own identity text is what age-keygen -y reads.
        let ours = X25519Identity.generate()
        try (ours.secretKeyText + "\n").write(toFile: folder + "/ours.txt", atomically: true, encoding: .utf8)
        let y = try runProcess(Self.keygen, ["-y", folder + "/ours.txt"])
        #expect(y.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == ours.recipient.description)
    }

    @Test(arguments: [0, 1, 65535, 65536, 65537, 200_000, 3 * 65536])
    func ageDecryptsWhatWeWrite(size: Int) throws {
        let folder = TestPaths.temporaryDirectory("age-ours")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let a = try Self.keygenIdentity(folder, "a.txt")
        let b = try Self.keygenIdentity(folder, "b.txt")
        let plain = Self.plaintext(size)
        try Self.encrypt(plain, to: [try X25519Recipient(a.recipient), try X25519Recipient(b.recipient)], path: folder + "/f.age")
        for id in [a.path, b.path] {
            // Through the shell: age creates no -o file for an empty plaintext.
            let r = try runProcess("/bin/sh", ["-c", "\(Self.age) -d -i \"$1\" \"$2\" > \"$3\"", "sh", id, folder + "/f.age", folder + "/out"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/out"))) == plain)
            try FileManager.default.removeItem(atPath: folder + "/out")
        }
    }

    @Test(arguments: [0, 1000, 65536, 65536 * 2 + 5])
    func weReadWhatAgeWrites(size: Int) throws {
        let folder = TestPaths.temporaryDirectory("age-theirs")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let a = try Self.keygenIdentity(folder)
        let plain = Self.plaintext(size, seed: 3)
        try Data(plain).write(to: URL(fileURLWithPath: folder + "/plain"))
        let r = try runProcess(Self.age, ["-r", a.recipient, "-o", folder + "/f.age", folder + "/plain"])
        #expect(r.status == 0, "\(r.stderr)")
        let identities = try KeyFiles.identities(in: String(contentsOfFile: a.path, encoding: .utf8))
        let (out, outcome) = try Self.readAll(folder + "/f.age", identities)
        #expect(outcome == .complete(chunks: max(1, (size + 65535) / 65536)))
        #expect(out == plain)
        // Someone else's identity opens nothing.
        #expect(throws: AgeFormatError.self) { try AgeReader(path: folder + "/f.age", identities: [.generate()]) }
    }

    @Test func truncatedFilesAreToldApartAndAgeRefusesThem() throws {
        let folder = TestPaths.temporaryDirectory("age-trunc")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let a = try Self.keygenIdentity(folder)
        let identity = try KeyFiles.identities(in: String(contentsOfFile: a.path, encoding: .utf8))
        let plain = Self.plaintext(65536 * 3 + 100)
        try Self.encrypt(plain, to: [identity[0].recipient], path: folder + "/f.age")
        let whole = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/f.age")))
        let payloadStart = whole.count - (3 * 65552 + 116)
        // Cut after two whole chunks, as a crash leaves it.
        let cut = Array(whole[..<(payloadStart + 2 * 65552)])
        try Data(cut).write(to: URL(fileURLWithPath: folder + "/cut.age"))
        let (out, outcome) = try Self.readAll(folder + "/cut.age", identity)
        #expect(outcome == .truncated(chunks: 2))
        #expect(out == Array(plain[..<(2 * 65536)]))
        let r = try runProcess(Self.age, ["-d", "-i", a.path, "-o", folder + "/out", folder + "/cut.age"])
        #expect(r.status != 0)
        // Cut inside the header: nothing to recover, and said so.
        try Data(whole[..<40]).write(to: URL(fileURLWithPath: folder + "/header.age"))
        #expect(throws: AgeFormatError.truncatedHeader) { try AgeReader(path: folder + "/header.age", identities: identity) }
    }

    @Test func aFlippedByteAnywhereIsFound() throws {
        let folder = TestPaths.temporaryDirectory("age-flip")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let identity = X25519Identity.generate()
        let plain = Self.plaintext(65536 + 3000)
        try Self.encrypt(plain, to: [identity.recipient], path: folder + "/f.age")
        let whole = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/f.age")))
        let payloadStart = whole.count - (65552 + 3016)
        // Every header and nonce byte, then every 101st byte of the chunks and the last 40.
        let positions = Array(0..<payloadStart) + Array(stride(from: payloadStart, to: whole.count, by: 101)) + Array((whole.count - 40)..<whole.count)
        for position in positions {
            var bytes = whole
            bytes[position] ^= 0x01
            let outcome: String
            do {
                let reader = try AgeReader(input: ByteInput(bytes: bytes), identities: [identity])
                let result = try reader.decrypt { _ in }
                outcome = "\(result)"
                #expect(!result.isComplete, "flipping byte \(position) went unnoticed")
                if position >= payloadStart + 16 + 65552 {
                    #expect(result == .damaged(chunk: 1, partial: true), "byte \(position)")
                } else if position >= payloadStart + 16 {
                    #expect(result == .damaged(chunk: 0, partial: false), "byte \(position)")
                }
            } catch {
                outcome = "\(error)"
            }
            _ = outcome
        }
    }

    @Test func keyErrorsSayWhatIsWrongWithoutTheSecret() throws {
        let identity = X25519Identity.generate()
        do {
            _ = try X25519Recipient(identity.secretKeyText)
            Issue.record("an identity was taken as a recipient")
        } catch {
            #expect(error == .identityGivenAsRecipient(recipient: identity.recipient.description))
            #expect(!error.description.contains(identity.secretKeyText))
            #expect(!error.description.uppercased().contains(String(identity.secretKeyText.dropFirst(16).prefix(20))))
        }
        let good = identity.recipient.description
        var typo = Array(good)
        typo[20] = typo[20] == "q" ? "p" : "q"
        #expect(throws: AgeKeyError.malformedRecipient("its checksum is wrong (a character is mistyped or missing)")) {
            try X25519Recipient(String(typo))
        }
        #expect(throws: AgeKeyError.self) { try X25519Recipient("age1") }
        #expect(throws: AgeKeyError.self) { try X25519Recipient(good.uppercased()) }
        #expect(throws: AgeKeyError.self) { try X25519Recipient("ssh-ed25519 AAAA") }
        do {
            _ = try KeyFiles.recipients(in: "# team\n\(good)\n\nnot-a-key\n")
            Issue.record("a bad line was accepted")
        } catch {
            #expect(error.line == 4)
        }
    }
}
