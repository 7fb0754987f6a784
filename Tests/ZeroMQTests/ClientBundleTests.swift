import Foundation
import Testing
@testable import ZeroMQ

/// `addClient(name:bundleFolder:replacing:)`, behind `media-router keys add-client`: a new
/// client's pair, its key folder and its allow-list entry are written all together or not at
/// all, so that a failure never leaves a client allowed whose secret nobody has.
@Suite("client bundles")
struct ClientBundleTests {
    /// A server key folder with its keys made.
    func server() throws -> (base: String, store: VidgearKeyStore) {
        let base = makeTemporaryDirectory("bundle-server")
        let store = try VidgearKeyStore(customCertLocation: base)
        try store.ensureKeys()
        return (base, store)
    }

    /// Every name in a folder, dot files included (a temporary file left behind shows here).
    func entries(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    @Test("a bundle is written, allowed and usable as a client's custom_cert_location, with nothing left over")
    func writesAllOfIt() throws {
        let (base, store) = try server()
        let target = makeTemporaryDirectory("bundle-target") + "/new/cam1"
        let bundle = try store.addClient(name: "cam1", bundleFolder: target)
        #expect(bundle.rootDirectory == target + "/.vidgear")
        #expect(bundle.location == target)
        #expect(try CurveCertificate.readPublicKey(from: store.publicKeyPath("cam1")) == bundle.keyPair.publicKey)
        let client = try VidgearKeyStore(customCertLocation: target)
        #expect(try client.clientKeyPair().publicKey == bundle.keyPair.publicKey)
        #expect(try client.serverPublicKey() == store.serverPublicKey())
        #expect(entries(target) == [".vidgear"])
        #expect(entries(target + "/.vidgear") == ["keys"])
        #expect(entries(client.keysDirectory) == ["private_keys", "public_keys"])
        #expect(entries(client.publicKeysDirectory) == ["client.key", "server.key"])
        #expect(entries(client.privateKeysDirectory) == ["client.key_secret", "server.key_secret"])
        #expect(fileMode(client.privateKeysDirectory) == 0o700)
        #expect(fileMode(client.secretKeyPath("client")) == 0o600)
        #expect(entries(store.publicKeysDirectory) == ["cam1.key", "client.key", "server.key"])
        try? FileManager.default.removeItem(atPath: base)
    }

    /// The user's report: the bundle folder cannot be written, the command fails, and the
    /// client must not stay allowed (its secret would be lost), so that running it again
    /// with a usable folder works without --replace.
    @Test("an unusable bundle folder fails before anything is written")
    func unusableFolderWritesNothing() throws {
        let (_, store) = try server()
        let scratch = makeTemporaryDirectory("bundle-bad")
        let file = scratch + "/a-file"
        #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
        let allowedBefore = entries(store.publicKeysDirectory)
        for target in [file, file + "/cam1", scratch + "/dir/.vidgear-is-a-file"] {
            if target.hasSuffix("is-a-file") {
                try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
                #expect(FileManager.default.createFile(atPath: target + "/.vidgear", contents: Data()))
            }
            #expect(throws: CurveKeyFileError.self, "\(target)") { try store.addClient(name: "cam1", bundleFolder: target) }
            #expect(entries(store.publicKeysDirectory) == allowedBefore, "\(target)")
        }
        #expect(entries(scratch) == ["a-file", "dir"])
        #expect(entries(scratch + "/dir/.vidgear-is-a-file") == [".vidgear"])
        #expect(try store.allowedClientKeys().map(\.name) == ["client", "server"])

        let good = scratch + "/good"
        let bundle = try store.addClient(name: "cam1", bundleFolder: good)
        #expect(try store.allowedClientKeys().first { $0.name == "cam1" }?.key == bundle.keyPair.publicKey)
    }

    /// A failure at the very end (the allow-list entry cannot be put in place) removes the key
    /// folder already written, and the folders made for it.
    @Test("a failure at the last step removes the bundle written before it")
    func lateFailureRemovesTheBundle() throws {
        let (_, store) = try server()
        // A folder where the allow-list file must go: renaming the new file over it fails.
        try FileManager.default.createDirectory(atPath: store.publicKeyPath("cam1"), withIntermediateDirectories: true)
        let scratch = makeTemporaryDirectory("bundle-late")
        #expect(throws: CurveKeyFileError.self) { try store.addClient(name: "cam1", bundleFolder: scratch + "/made/cam1", replacing: true) }
        #expect(entries(scratch) == [], "the folders made for the bundle were left behind")
        #expect(entries(store.publicKeysDirectory) == ["cam1.key", "client.key", "server.key"])
        #expect(entries(store.publicKeyPath("cam1")) == [])
    }

    /// The same failure while replacing an existing bundle puts the old bundle back.
    @Test("a failed replacement keeps the old bundle")
    func failedReplacementRestoresTheOldBundle() throws {
        let (_, store) = try server()
        let target = makeTemporaryDirectory("bundle-replace") + "/cam1"
        let first = try store.addClient(name: "cam1", bundleFolder: target)
        try store.revokeClient(name: "cam1")
        try FileManager.default.createDirectory(atPath: store.publicKeyPath("cam1"), withIntermediateDirectories: true)
        #expect(throws: CurveKeyFileError.self) { try store.addClient(name: "cam1", bundleFolder: target, replacing: true) }
        let client = try VidgearKeyStore(customCertLocation: target)
        #expect(try client.clientKeyPair().publicKey == first.keyPair.publicKey)
        #expect(entries(target + "/.vidgear") == ["keys"])

        // And a replacement that works leaves only the new one.
        try FileManager.default.removeItem(atPath: store.publicKeyPath("cam1"))
        let second = try store.addClient(name: "cam1", bundleFolder: target, replacing: true)
        #expect(try client.clientKeyPair().publicKey == second.keyPair.publicKey)
        #expect(entries(target + "/.vidgear") == ["keys"])
        #expect(try store.allowedClientKeys().first { $0.name == "cam1" }?.key == second.keyPair.publicKey)
    }

    @Test("an existing key folder is only replaced with --replace, and never the server's own")
    func existingFoldersAreProtected() throws {
        let (base, store) = try server()
        let target = makeTemporaryDirectory("bundle-existing")
        let other = try VidgearKeyStore(customCertLocation: target)
        try other.ensureKeys()
        let otherServer = try other.serverKeyPair().publicKey
        #expect { try store.addClient(name: "cam1", bundleFolder: target) } throws: { error in
            let error = error as? CurveKeyFileError
            return error?.code == .alreadyExists && error?.message.contains("--replace") == true
        }
        #expect(try other.serverKeyPair().publicKey == otherServer)
        #expect(!FileManager.default.fileExists(atPath: store.publicKeyPath("cam1")))

        let serverKey = try store.serverKeyPair().publicKey
        for own in [base, base + "/", base + "/.vidgear", base + "/./"] {
            #expect(throws: CurveKeyFileError.self, "\(own)") { try store.addClient(name: "cam1", bundleFolder: own, replacing: true) }
        }
        #expect(try store.serverKeyPair().publicKey == serverKey)
        #expect(try store.allowedClientKeys().map(\.name) == ["client", "server"])
    }

    @Test("messages name the command-line flags")
    func messagesNameTheFlags() throws {
        let (_, store) = try server()
        _ = try store.addClient(name: "alice")
        #expect { try store.addClient(name: "alice") } throws: { error in
            let message = (error as? CurveKeyFileError)?.message ?? ""
            return message.contains("--replace") && !message.contains("replacing:")
        }
        #expect { try store.revokeClient(name: "client") } throws: { error in
            let message = (error as? CurveKeyFileError)?.message ?? ""
            return message.contains("--force") && !message.contains("force:")
        }
    }
}
