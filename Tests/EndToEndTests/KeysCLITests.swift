import Foundation
import Testing
import TestSupport

/// `media-router keys`, run as a user runs it.
@Suite("CLI keys")
struct KeysCLITests {
    let bin = TestPaths.binary

    func keys(_ arguments: [String]) async throws -> ProcessResult {
        try await run(bin, ["keys"] + arguments, timeout: 30)
    }

    /// A server key folder made with `keys generate`.
    func serverFolder(_ label: String) async throws -> String {
        let dir = TestPaths.temporaryDirectory("cli-keys-\(label)") + "/keys"
        let r = try await keys(["generate", "--location", dir])
        try #require(r.status == 0, "\(r.stderr)")
        return dir
    }

    /// The report: `add-client --bundle` into a folder that cannot be written failed
    /// but left the client allowed, its secret lost, and the next try was refused.
    @Test func addClientIntoAnUnusableBundleFolderChangesNothing() async throws {
        let dir = try await serverFolder("unusable")
        let blocker = (dir as NSString).deletingLastPathComponent + "/blocker"
        #expect(FileManager.default.createFile(atPath: blocker, contents: Data("not a folder".utf8)))
        let failed = try await keys(["add-client", "cam1", "--location", dir, "--bundle", blocker + "/cam1"])
        #expect(failed.status != 0)
        #expect(failed.stderr.contains(blocker), "\(failed.stderr)")
        let list = try await keys(["list", "--location", dir])
        #expect(!list.stdout.contains("cam1"), "the client stayed allowed: \(list.stdout)")

        let again = try await keys(["add-client", "cam1", "--location", dir, "--bundle", (dir as NSString).deletingLastPathComponent + "/cam1"])
        #expect(again.status == 0, "a second try needs no --replace: \(again.stderr)")
        #expect(try await keys(["list", "--location", dir]).stdout.contains("cam1"))
    }

    @Test func messagesNameTheRealFlags() async throws {
        let dir = try await serverFolder("flags")
        #expect(try await keys(["add-client", "alice", "--location", dir]).status == 0)
        let twice = try await keys(["add-client", "alice", "--location", dir])
        #expect(twice.status != 0)
        #expect(twice.stderr.contains("--replace") && !twice.stderr.contains("replacing:"), "\(twice.stderr)")
        #expect(try await keys(["add-client", "alice", "--location", dir, "--replace"]).status == 0)

        let reserved = try await keys(["revoke", "client", "--location", dir])
        #expect(reserved.status != 0)
        #expect(reserved.stderr.contains("--force") && !reserved.stderr.contains("force:"), "\(reserved.stderr)")
        #expect(try await keys(["revoke", "client", "--location", dir, "--force"]).status == 0)

        // add-client refuses to write into an existing key folder unless told to.
        let bundle = (dir as NSString).deletingLastPathComponent + "/bob"
        #expect(try await keys(["add-client", "bob", "--location", dir, "--bundle", bundle]).status == 0)
        #expect(try await keys(["revoke", "bob", "--location", dir]).status == 0)
        let existing = try await keys(["add-client", "bob", "--location", dir, "--bundle", bundle])
        #expect(existing.status != 0)
        #expect(existing.stderr.contains("--replace"), "\(existing.stderr)")
        #expect(try await keys(["add-client", "bob", "--location", dir, "--bundle", bundle, "--replace"]).status == 0)
    }

    /// A bundle serves a peer that connects to our binding CURVE server; the output and the help
    /// say so, and say what a vidgear receiver needs instead.
    @Test func addClientSaysWhichRoleTheBundleIsFor() async throws {
        let dir = try await serverFolder("role")
        let r = try await keys(["add-client", "cam1", "--location", dir])
        #expect(r.status == 0, "\(r.stderr)")
        for text in ["vidgear sender", "connect", "not for a vidgear receiver"] {
            #expect(r.stdout.lowercased().contains(text), "'\(text)' missing from: \(r.stdout)")
        }
        let help = try await run(bin, ["keys", "add-client", "--help"], timeout: 30)
        for text in ["vidgear sender", "vidgear receiver", "keys generate"] {
            #expect(help.stdout.lowercased().contains(text), "'\(text)' missing from: \(help.stdout)")
        }
    }
}
