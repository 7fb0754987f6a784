import Foundation
import Testing
@testable import ZeroMQ

@Suite("vidgear key layout")
struct VidgearKeyStoreTests {
    @Test("resolves <base>/.vidgear/keys/{public_keys,private_keys}, not doubling .vidgear")
    func layout() throws {
        let base = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let store = try VidgearKeyStore(customCertLocation: base)
        #expect(store.rootDirectory == base + "/.vidgear")
        #expect(store.publicKeysDirectory == base + "/.vidgear/keys/public_keys")
        #expect(store.privateKeysDirectory == base + "/.vidgear/keys/private_keys")
        try FileManager.default.createDirectory(atPath: base + "/.vidgear", withIntermediateDirectories: true)
        #expect(try VidgearKeyStore(customCertLocation: base + "/.vidgear").rootDirectory == base + "/.vidgear")
    }

    @Test("a missing or unwritable location is a clear error")
    func badLocation() throws {
        #expect { try VidgearKeyStore(customCertLocation: "/nonexistent/keys") } throws: { error in
            let error = error as? CurveKeyFileError
            return error?.code == .fileNotFound && error?.message.contains("/nonexistent/keys") == true
        }
        if getuid() != 0 {
            #expect(throws: CurveKeyFileError.self) { try VidgearKeyStore(customCertLocation: "/") }
        }
    }

    @Test("ensureKeys writes four consistent files once and keeps them")
    func ensureKeys() throws {
        let base = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let store = try VidgearKeyStore(customCertLocation: base)
        #expect(try store.ensureKeys())
        let server = try store.serverKeyPair(), client = try store.clientKeyPair()
        #expect(try store.serverPublicKey() == server.publicKey)
        #expect(try CurveCertificate.readPublicKey(from: store.publicKeyPath("client")) == client.publicKey)
        #expect(server.publicKey != client.publicKey)
        #expect(fileMode(store.privateKeysDirectory) == 0o700)
        #expect(fileMode(store.secretKeyPath("server")) == 0o600)
        #expect(fileMode(store.secretKeyPath("client")) == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.publicKeysDirectory).sorted() == ["client.key", "server.key"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.privateKeysDirectory).sorted()
                == ["client.key_secret", "server.key_secret"])

        #expect(try !store.ensureKeys())
        #expect(try store.serverKeyPair().publicKey == server.publicKey)

        #expect(try store.ensureKeys(overwrite: true))
        #expect(try store.serverKeyPair().publicKey != server.publicKey)
        #expect(try store.serverPublicKey() == store.serverKeyPair().publicKey)
    }

    @Test("a missing or mismatched file regenerates both pairs consistently")
    func repairsConsistently() throws {
        let base = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let store = try VidgearKeyStore(customCertLocation: base)
        try store.ensureKeys()
        let oldServer = try store.serverPublicKey()

        // vidgear's bug: only the public folder regenerated leaves halves of different pairs.
        try CurveCertificate.writePublic(try CurveKeyPair.generate().publicKey, to: store.publicKeyPath("client"))
        #expect(try store.ensureKeys())
        #expect(try store.serverPublicKey() != oldServer)
        #expect(try store.serverPublicKey() == store.serverKeyPair().publicKey)
        #expect(try CurveCertificate.readPublicKey(from: store.publicKeyPath("client")) == store.clientKeyPair().publicKey)

        try FileManager.default.removeItem(atPath: store.secretKeyPath("server"))
        #expect(try store.ensureKeys())
        #expect(try store.serverPublicKey() == store.serverKeyPair().publicKey)
        #expect(try CurveCertificate.readPublicKey(from: store.publicKeyPath("client")) == store.clientKeyPair().publicKey)
    }

    @Test("ensureKeys refuses to replace secrets that are readable by others")
    func insecureSecretsAreNotReplaced() throws {
        let base = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let store = try VidgearKeyStore(customCertLocation: base)
        try store.ensureKeys()
        let server = try store.serverPublicKey()
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: store.secretKeyPath("server"))
        #expect { try store.ensureKeys() } throws: { error in
            (error as? CurveKeyFileError)?.message.contains("chmod 600 \(store.secretKeyPath("server"))") == true
        }
        #expect(try store.serverPublicKey() == server)
    }

    @Test("clients are added, listed (server included, as vidgear does) and revoked")
    func clients() throws {
        let base = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let store = try VidgearKeyStore(customCertLocation: base)
        try store.ensureKeys()
        let alice = try store.addClient(name: "alice")
        let bob = try CurveKeyPair.generate()
        try store.addClient(name: "bob", publicKey: bob.publicKey)

        let allowed = try store.allowedClientKeys()
        #expect(allowed.map(\.name) == ["alice", "bob", "client", "server"])
        #expect(allowed.first { $0.name == "alice" }?.key == alice.publicKey)
        let serverKey = try store.serverPublicKey()
        #expect(allowed.first { $0.name == "server" }?.key == serverKey)

        #expect { try store.addClient(name: "alice") } throws: { ($0 as? CurveKeyFileError)?.code == .alreadyExists }
        _ = try store.addClient(name: "alice", replacing: true)
        for bad in ["", "../evil", "a/b", ".hidden", "client", "server"] {
            #expect(throws: CurveKeyFileError.self) { try store.addClient(name: bad) }
        }

        try store.revokeClient(name: "alice")
        #expect(try store.allowedClientKeys().map(\.name) == ["bob", "client", "server"])
        #expect { try store.revokeClient(name: "alice") } throws: { ($0 as? CurveKeyFileError)?.code == .fileNotFound }
        #expect { try store.revokeClient(name: "client") } throws: { ($0 as? CurveKeyFileError)?.code == .invalidName }
        #expect { try store.revokeClient(name: "../server") } throws: { ($0 as? CurveKeyFileError)?.code == .invalidName }
        try store.revokeClient(name: "client", force: true)
        #expect(try store.allowedClientKeys().map(\.name) == ["bob", "server"])
    }

    @Test("an exported bundle is a valid vidgear client folder holding no server secret")
    func exportBundle() throws {
        let base = makeTemporaryDirectory(), target = makeTemporaryDirectory()
        defer {
            try? FileManager.default.removeItem(atPath: base)
            try? FileManager.default.removeItem(atPath: target)
        }
        let store = try VidgearKeyStore(customCertLocation: base)
        try store.ensureKeys()
        let alice = try store.addClient(name: "alice")
        let root = try store.exportClientBundle(name: "alice", keyPair: alice, to: target)
        #expect(root == target + "/.vidgear")

        let bundle = try VidgearKeyStore(customCertLocation: target)
        #expect(try bundle.serverPublicKey() == store.serverPublicKey())
        #expect(try bundle.clientKeyPair().publicKey == alice.publicKey)
        #expect(try bundle.clientKeyPair().secretKey.constantTimeEquals(alice.secretKey))
        // vidgear's validate_auth_keys wants exactly server+client in both folders.
        #expect(try FileManager.default.contentsOfDirectory(atPath: bundle.publicKeysDirectory).sorted() == ["client.key", "server.key"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: bundle.privateKeysDirectory).sorted()
                == ["client.key_secret", "server.key_secret"])
        #expect(try !bundle.serverKeyPair().secretKey.constantTimeEquals(store.serverKeyPair().secretKey))
        #expect(fileMode(bundle.privateKeysDirectory) == 0o700)
        // Our own ensureKeys keeps the bundle as it is.
        #expect(try !bundle.ensureKeys())
        #expect(try bundle.clientKeyPair().publicKey == alice.publicKey)
    }
}
