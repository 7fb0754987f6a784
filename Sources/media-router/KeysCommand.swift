import ArgumentParser
import Foundation
import ZeroMQ

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage CurveZMQ keys in vidgear's layout (<location>/.vidgear/keys).",
        discussion: """
        The server (the binding side) holds private_keys/server.key_secret; every public key in \
        public_keys/ is allowed in IronHouse mode. Give each client its own key pair with \
        add-client, and cut it off with revoke: running servers notice within a second.
        """,
        subcommands: [Generate.self, List.self, AddClient.self, Revoke.self]
    )

    struct Location: ParsableArguments {
        @Option(name: .long, help: "Folder holding .vidgear/keys (vidgear's custom_cert_location). Default: the home folder.")
        var location: String?

        func store(create: Bool = false) throws -> VidgearKeyStore {
            if create, let location {
                let path = (location as NSString).expandingTildeInPath
                if !FileManager.default.fileExists(atPath: path) {
                    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                            attributes: [.posixPermissions: 0o700])
                }
            }
            do {
                return try VidgearKeyStore(customCertLocation: location.map { ($0 as NSString).expandingTildeInPath })
            } catch {
                throw ValidationError("\(error)")
            }
        }
    }

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make the server and client key pairs if they are missing or invalid.")
        @OptionGroup var location: Location
        @Flag(help: "Replace existing keys (every client must then get the new server key).")
        var overwrite = false

        func run() throws {
            let store = try location.store(create: true)
            let made = try store.ensureKeys(overwrite: overwrite)
            let server = try store.serverKeyPair()
            let client = try store.clientKeyPair()
            print(made ? "Generated new keys in \(store.keysDirectory)" : "Keys in \(store.keysDirectory) are valid; kept them (use --overwrite to replace)")
            print("  server  \(server.publicKey.fingerprint)  \(server.publicKey.z85)")
            print("  client  \(client.publicKey.fingerprint)  \(client.publicKey.z85)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the public keys an IronHouse server allows, with fingerprints.")
        @OptionGroup var location: Location

        func run() throws {
            let store = try location.store()
            let keys = try store.allowedClientKeys()
            if keys.isEmpty {
                print("No public keys in \(store.publicKeysDirectory); run 'media-router keys generate'.")
                return
            }
            print("Allowed keys in \(store.publicKeysDirectory):")
            let width = max(6, keys.map(\.name.count).max() ?? 0)
            for k in keys {
                print("  " + k.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + k.key.fingerprint + "  " + k.key.z85)
            }
        }
    }

    struct AddClient: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-client",
            abstract: "Make a key pair for a new client, allow it, and write a key folder to hand to that client.",
            discussion: """
            The folder is for a peer that connects to this server as its CURVE client: a vidgear \
            sender (NetGear without receive_mode, which connects to a binding netgear.receive) or a \
            media-router node with connect:. It becomes that peer's custom_cert_location. Running \
            IronHouse servers accept it at its next handshake, without a restart.

            It is not for a vidgear receiver (receive_mode=True): that one always binds and is then \
            the CURVE server, which needs a server key pair of its own (the folder's \
            server.key_secret is a placeholder). For a vidgear receiver, run 'media-router keys \
            generate --location DIR', copy DIR/.vidgear to the receiver's custom_cert_location, and \
            give our connecting netgear.send custom_cert_location: DIR.

            Nothing is written unless every step succeeds: the client is not allowed when its \
            folder cannot be written.
            """
        )
        @Argument(help: "The client's name (a plain file name).")
        var name: String
        @OptionGroup var location: Location
        @Option(help: "Where to write the client's key folder. Default: <location>/clients/NAME.")
        var bundle: String?
        @Option(help: "Allow this existing public key (Z85, or a .key file) instead of making a pair; no folder is written.")
        var publicKey: String?
        @Flag(help: "Replace a client of the same name, and a key folder already at --bundle.")
        var replace = false

        func run() throws {
            let store = try location.store()
            guard FileManager.default.fileExists(atPath: store.secretKeyPath("server")) else {
                throw ValidationError("no server keys in \(store.keysDirectory); run 'media-router keys generate\(location.location.map { " --location \($0)" } ?? "")' first")
            }
            if let publicKey {
                let key: CurveKey
                if let k = CurveKey(z85: publicKey) {
                    key = k
                } else {
                    key = try CurveCertificate.readPublicKey(from: (publicKey as NSString).expandingTildeInPath)
                }
                try store.addClient(name: name, publicKey: key, replacing: replace)
                print("Allowed client \(name): \(key.fingerprint)")
                return
            }
            let folder = bundle.map { ($0 as NSString).expandingTildeInPath }
                ?? (((store.rootDirectory as NSString).deletingLastPathComponent as NSString).appendingPathComponent("clients/\(name)"))
            let made = try store.addClient(name: name, bundleFolder: folder, replacing: replace)
            print("Allowed client \(name): \(made.keyPair.publicKey.fingerprint)")
            print("Its key folder: \(made.rootDirectory)")
            print("  Hand over the folder that contains it, \(made.location), and use it as the client's custom_cert_location.")
            print("  It is for a peer that connects to this server as its CURVE client: a vidgear sender, or a media-router node with connect:.")
            print("  Not for a vidgear receiver: it binds and is then the CURVE server (see 'media-router keys add-client --help').")
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a client's public key: it is refused from its next handshake, and running servers cut its session."
        )
        @Argument(help: "The client's name.")
        var name: String
        @OptionGroup var location: Location
        @Flag(help: "Allow revoking vidgear's own 'client' or 'server' key.")
        var force = false

        func run() throws {
            let store = try location.store()
            let path = store.publicKeyPath(name)
            let fingerprint = (try? CurveCertificate.readPublicKey(from: path))?.fingerprint
            try store.revokeClient(name: name, force: force)
            print("Revoked client \(name)\(fingerprint.map { " (\($0))" } ?? "")")
        }
    }
}
