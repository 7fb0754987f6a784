#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The CURVE key folders vidgear's NetGear uses, so that Python vidgear peers and this
/// program can share keys:
///
/// ```
/// <base>/.vidgear/keys/public_keys/server.key   client.key   <other clients>.key
/// <base>/.vidgear/keys/private_keys/server.key_secret   client.key_secret
/// ```
///
/// `<base>` is `$HOME` or vidgear's `custom_cert_location`. The CURVE server (vidgear's
/// receiver) uses `server.key_secret`; a CURVE client (vidgear's sender) uses
/// `client.key_secret` and `public_keys/server.key`. In IronHouse mode the server accepts
/// every key in `public_keys/*.key`, which includes `server.key` (vidgear behaves the same).
///
/// Unlike vidgear, ``ensureKeys(overwrite:)`` never leaves the public and private folders
/// holding halves of different key pairs.
public struct VidgearKeyStore: Sendable {
    /// `<base>/.vidgear`.
    public let rootDirectory: String
    /// `<base>/.vidgear/keys`.
    public let keysDirectory: String
    /// `<base>/.vidgear/keys/public_keys`: public certificates, the IronHouse allow-list.
    public let publicKeysDirectory: String
    /// `<base>/.vidgear/keys/private_keys`: secret certificates, mode 0700.
    public let privateKeysDirectory: String

    /// Resolves the folders like vidgear: `customCertLocation`, or `$HOME` when nil, which
    /// must be an existing writable folder; `.vidgear` is appended unless the path already
    /// ends in it. Nothing is created until keys are written.
    public init(customCertLocation: String? = nil) throws {
        let base: String
        if let customCertLocation {
            base = customCertLocation
        } else {
            base = Self.homeDirectory()
        }
        let trimmed = base.count > 1 && base.hasSuffix("/") ? String(base.dropLast()) : base
        guard KeyFileSystem.isDirectory(trimmed) else {
            throw CurveKeyFileError(code: KeyFileSystem.exists(trimmed) ? .notADirectory : .fileNotFound, path: trimmed,
                                    message: "the key location \(trimmed) is not an existing folder; create it or choose another custom_cert_location")
        }
        guard access(trimmed, W_OK) == 0 else {
            throw CurveKeyFileError(code: .notWritable, path: trimmed,
                                    message: "the key location \(trimmed) is not writable by this user; choose another custom_cert_location")
        }
        let root = (trimmed as NSString).lastPathComponent == ".vidgear" ? trimmed : trimmed + "/.vidgear"
        self.init(rootDirectory: root)
    }

    private init(rootDirectory: String) {
        self.rootDirectory = rootDirectory
        self.keysDirectory = rootDirectory + "/keys"
        self.publicKeysDirectory = keysDirectory + "/public_keys"
        self.privateKeysDirectory = keysDirectory + "/private_keys"
    }

    private static func homeDirectory() -> String {
        if let home = ProcessInfo.processInfo.environment["HOME"], !home.isEmpty { return home }
        return NSHomeDirectory()
    }

    // MARK: Paths

    /// `rootDirectory` with symbolic links, `.` and `..` resolved (as far as it exists): the
    /// same text for every spelling of one key folder, to tell whether two stores share it.
    public var canonicalRootDirectory: String { KeyFileSystem.canonicalPath(rootDirectory) }

    /// `public_keys/NAME.key`.
    public func publicKeyPath(_ name: String) -> String { publicKeysDirectory + "/" + name + ".key" }
    /// `private_keys/NAME.key_secret`.
    public func secretKeyPath(_ name: String) -> String { privateKeysDirectory + "/" + name + ".key_secret" }

    // MARK: Creating keys

    /// Makes sure the server and client key pairs exist, and returns whether new ones were
    /// generated.
    ///
    /// With `overwrite`, both pairs are always regenerated. Without it, existing keys are kept
    /// when all four files are valid certificates and `public_keys/client.key` is the public
    /// half of `private_keys/client.key_secret`; otherwise both pairs are regenerated together,
    /// so the two folders never hold halves of different pairs (vidgear's partial regeneration
    /// does that). `public_keys/server.key` may differ from `server.key_secret`: in a client's
    /// folder (see ``exportClientBundle(name:keyPair:to:replacing:)``) it is the remote server's key.
    /// Other `*.key` files (added clients) are left alone.
    ///
    /// Secret files that group or others can read are not silently replaced: that throws
    /// ``CurveKeyFileError/Code/insecurePermissions`` so the owner can fix the mode and keep
    /// keys that peers may already hold.
    @discardableResult
    public func ensureKeys(overwrite: Bool = false) throws -> Bool {
        if !overwrite, try existingKeysAreValid() { return false }
        let server = try CurveKeyPair.generate()
        let client = try CurveKeyPair.generate()
        try KeyFileSystem.createFolder(publicKeysDirectory, privateMode: false)
        try KeyFileSystem.createFolder(privateKeysDirectory, privateMode: true)
        // Secrets first: if writing stops half-way, the next run sees mismatched halves and
        // regenerates, instead of trusting public files whose secrets were never written.
        try CurveCertificate.writeSecret(server, to: secretKeyPath("server"))
        try CurveCertificate.writeSecret(client, to: secretKeyPath("client"))
        try CurveCertificate.writePublic(server.publicKey, to: publicKeyPath("server"))
        try CurveCertificate.writePublic(client.publicKey, to: publicKeyPath("client"))
        return true
    }

    private func existingKeysAreValid() throws -> Bool {
        do {
            _ = try CurveCertificate.readKeyPair(from: secretKeyPath("server"))
            _ = try CurveCertificate.readPublicKey(from: publicKeyPath("server"))
            let client = try CurveCertificate.readKeyPair(from: secretKeyPath("client"))
            let published = try CurveCertificate.readPublicKey(from: publicKeyPath("client"))
            return published == client.publicKey
        } catch let error as CurveKeyFileError where Self.isRepairable(error.code) {
            return false
        }
    }

    private static func isRepairable(_ code: CurveKeyFileError.Code) -> Bool {
        [.fileNotFound, .missingPublicKey, .missingSecretKey, .malformedKey, .mismatchedKeys].contains(code)
    }

    // MARK: Reading keys

    /// The CURVE server's key pair, from `private_keys/server.key_secret`.
    public func serverKeyPair() throws -> CurveKeyPair {
        try CurveCertificate.readKeyPair(from: secretKeyPath("server"))
    }

    /// The default CURVE client's key pair, from `private_keys/client.key_secret`.
    public func clientKeyPair() throws -> CurveKeyPair {
        try CurveCertificate.readKeyPair(from: secretKeyPath("client"))
    }

    /// The server's public key as clients know it, from `public_keys/server.key`.
    public func serverPublicKey() throws -> CurveKey {
        try CurveCertificate.readPublicKey(from: publicKeyPath("server"))
    }

    /// Every key an IronHouse server admits: all `public_keys/*.key`, sorted by name,
    /// including `server` (as pyzmq's `load_certificates` and vidgear do).
    public func allowedClientKeys() throws -> [(name: String, key: CurveKey)] {
        try CurveCertificate.publicKeys(inDirectory: publicKeysDirectory)
    }

    // MARK: Managing clients

    /// Generates a key pair for a new client, allows it (writes `public_keys/NAME.key`) and
    /// returns it; hand the pair to the client with ``exportClientBundle(name:keyPair:to:replacing:)``.
    ///
    /// `name` must be a plain file name (no `/`, not starting with `.`) and not `server` or
    /// `client`, which ``ensureKeys(overwrite:)`` manages. An existing client of that name is
    /// only replaced when `replacing` is true.
    public func addClient(name: String, replacing: Bool = false) throws -> CurveKeyPair {
        let pair = try CurveKeyPair.generate()
        try addClient(name: name, publicKey: pair.publicKey, replacing: replacing)
        return pair
    }

    /// Allows a client whose key pair was made elsewhere (the best practice: its secret never
    /// leaves the client). Same naming rules as ``addClient(name:replacing:)``.
    public func addClient(name: String, publicKey: CurveKey, replacing: Bool = false) throws {
        try Self.validate(name: name, allowReserved: false)
        let path = publicKeyPath(name)
        if !replacing && KeyFileSystem.exists(path) {
            throw Self.clientExists(name, path)
        }
        try KeyFileSystem.createFolder(publicKeysDirectory, privateMode: false)
        try CurveCertificate.writePublic(publicKey, to: path, comment: ["Client \"\(name)\", fingerprint \(publicKey.fingerprint)"])
    }

    /// A client's key folder, made by ``addClient(name:bundleFolder:replacing:)``.
    public struct ClientBundle: Sendable {
        /// The client's new key pair; its public key is allowed now.
        public let keyPair: CurveKeyPair
        /// The folder to give the client as its `custom_cert_location` (it holds `.vidgear`).
        public let location: String
        /// `<location>/.vidgear`.
        public let rootDirectory: String
    }

    /// Makes a key pair for a new client, writes the client's key folder (see
    /// ``exportClientBundle(name:keyPair:to:replacing:)``) into `folder` and allows the client,
    /// all or nothing: the folder and the allow-list entry are written under temporary names
    /// and renamed into place at the end, and a failure at any step removes what was written,
    /// so a client is never left allowed with its secret lost.
    ///
    /// `replacing` replaces a client of the same name and a key folder already at `folder`
    /// (the command line's `--replace`).
    public func addClient(name: String, bundleFolder folder: String, replacing: Bool = false) throws -> ClientBundle {
        try Self.validate(name: name, allowReserved: false)
        let path = publicKeyPath(name)
        if !replacing && KeyFileSystem.exists(path) {
            throw Self.clientExists(name, path)
        }
        let pair = try CurveKeyPair.generate()
        let staged = try stageBundle(name: name, keyPair: pair, folder: folder, replacing: replacing)
        var entry: String?
        do {
            let contents = CurveCertificate.publicFileContents(pair.publicKey, comment: ["Client \"\(name)\", fingerprint \(pair.publicKey.fingerprint)"])
            entry = try KeyFileSystem.writeTemporaryFile(contents, beside: path, mode: 0o644)
            try staged.putInPlace()
            try KeyFileSystem.moveTemporaryFile(entry!, to: path)
        } catch {
            if let entry { unlink(entry) }
            staged.undo()
            throw error
        }
        staged.finish()
        return ClientBundle(keyPair: pair, location: (staged.root as NSString).deletingLastPathComponent, rootDirectory: staged.root)
    }

    /// Removes `public_keys/NAME.key`, so that the client is refused from its next handshake
    /// on (a running ``ZAPAuthenticator`` notices within its rescan interval).
    ///
    /// Revoking `server` or `client` breaks vidgear's key layout (vidgear then regenerates
    /// everything), so those names need `force: true` (the command line's `--force`).
    public func revokeClient(name: String, force: Bool = false) throws {
        try Self.validate(name: name, allowReserved: force)
        let path = publicKeyPath(name)
        guard KeyFileSystem.exists(path) else {
            throw CurveKeyFileError(code: .fileNotFound, path: path, message: "no client named \(name): \(path) does not exist")
        }
        try KeyFileSystem.removeFile(path)
    }

    /// Writes a key folder for a peer that connects to this server as its CURVE client, to use
    /// as that peer's `custom_cert_location`: `<folder>/.vidgear/keys/public_keys/{server.key,
    /// client.key}` and `private_keys/client.key_secret`, holding this server's public key and
    /// the client's own pair under vidgear's fixed `client` name. Returns the `.vidgear`
    /// folder written.
    ///
    /// Such a peer is a vidgear sender (NetGear without `receive_mode`, which connects) or a
    /// media-router node with `connect:`. A vidgear receiver always binds and is then the CURVE
    /// server, so it cannot use this folder: it needs a server key pair of its own.
    ///
    /// vidgear regenerates all keys unless `private_keys` holds both `server.key_secret` and
    /// `client.key_secret`, so the bundle also gets a `server.key_secret` holding a freshly
    /// generated throwaway pair: the real server secret never leaves this machine, and a CURVE
    /// client never uses that file.
    ///
    /// The folder is written under a temporary name and renamed into place, so a failure
    /// leaves nothing behind. A key folder already at `folder` is only replaced with
    /// `replacing`; this server's own folder never is.
    @discardableResult
    public func exportClientBundle(name: String, keyPair: CurveKeyPair, to folder: String, replacing: Bool = false) throws -> String {
        try Self.validate(name: name, allowReserved: true)
        let staged = try stageBundle(name: name, keyPair: keyPair, folder: folder, replacing: replacing)
        do {
            try staged.putInPlace()
        } catch {
            staged.undo()
            throw error
        }
        staged.finish()
        return staged.root
    }

    /// A client bundle written in full under a temporary name inside its `.vidgear` folder.
    private struct StagedBundle {
        /// `<folder>/.vidgear`.
        let root: String
        /// `<folder>/.vidgear/keys`, where the bundle goes.
        let keys: String
        /// The temporary folder holding the new `keys`.
        let staging: String
        /// Where a `keys` folder being replaced waits until the new one is in place.
        let aside: String?
        /// The folders made for the bundle, deepest first.
        let createdFolders: [String]

        func putInPlace() throws {
            if let aside, rename(keys, aside) != 0 {
                throw KeyFileSystem.error(errno, keys, "cannot move aside")
            }
            guard rename(staging, keys) == 0 else {
                let failure = KeyFileSystem.error(errno, keys, "cannot create")
                if let aside { rename(aside, keys) }
                throw failure
            }
            KeyFileSystem.syncFolder(root)
        }

        /// Takes back everything, whether or not ``putInPlace()`` ran.
        func undo() {
            if KeyFileSystem.exists(staging) {
                KeyFileSystem.removeTree(staging)
            } else {
                KeyFileSystem.removeTree(keys)
            }
            if let aside, KeyFileSystem.exists(aside) { rename(aside, keys) }
            KeyFileSystem.removeCreatedFolders(createdFolders)
        }

        /// Drops the replaced folder once the new one is in place for good.
        func finish() {
            if let aside { KeyFileSystem.removeTree(aside) }
        }
    }

    /// Checks that a bundle can go to `folder` and writes it there under a temporary name;
    /// on failure nothing is left behind.
    private func stageBundle(name: String, keyPair: CurveKeyPair, folder: String, replacing: Bool) throws -> StagedBundle {
        let trimmed = folder.count > 1 && folder.hasSuffix("/") ? String(folder.dropLast()) : folder
        let root = (trimmed as NSString).lastPathComponent == ".vidgear" ? trimmed : trimmed + "/.vidgear"
        let keys = root + "/keys"
        func failure(_ e: CurveKeyFileError) -> CurveKeyFileError {
            CurveKeyFileError(code: e.code, path: e.path, message: "cannot write the key folder for client \"\(name)\" into \(trimmed): \(e.message)")
        }
        let serverKey = try serverPublicKey()
        if KeyFileSystem.canonicalPath(root) == KeyFileSystem.canonicalPath(rootDirectory) {
            throw CurveKeyFileError(code: .alreadyExists, path: root, message: """
                \(trimmed) is this server's own key location: a client's key folder there would replace the \
                server's keys. Choose another --bundle folder.
                """)
        }
        let replaces = KeyFileSystem.exists(keys)
        if replaces && !replacing {
            throw CurveKeyFileError(code: .alreadyExists, path: keys, message: """
                \(trimmed) already holds a key folder (\(keys)); pass --replace to replace it, or choose another --bundle folder
                """)
        }
        let created: [String]
        do {
            created = try KeyFileSystem.createFoldersUndoably(root)
        } catch let e as CurveKeyFileError {
            throw failure(e)
        }
        var staging: String?
        do {
            let made = try KeyFileSystem.makeTemporaryFolder(in: root, prefix: "keys")
            staging = made
            try KeyFileSystem.createFolder(made + "/public_keys", privateMode: false)
            try KeyFileSystem.createFolder(made + "/private_keys", privateMode: true)
            let note = "Key bundle for client \"\(name)\" (fingerprint \(keyPair.publicKey.fingerprint)): for a peer that connects to the server as its CURVE client."
            try CurveCertificate.writeSecret(keyPair, to: made + "/private_keys/client.key_secret", comment: [note])
            try CurveCertificate.writeSecret(try CurveKeyPair.generate(), to: made + "/private_keys/server.key_secret",
                                             comment: ["Placeholder, NOT the server's key: vidgear requires this file to exist.",
                                                       "So this folder cannot serve a vidgear receiver (a CURVE server)."])
            try CurveCertificate.writePublic(serverKey, to: made + "/public_keys/server.key", comment: ["The server's public key."])
            try CurveCertificate.writePublic(keyPair.publicKey, to: made + "/public_keys/client.key", comment: [note])
            guard chmod(made, 0o755) == 0 else { throw KeyFileSystem.error(errno, made, "cannot set the mode of") }
        } catch {
            if let staging { KeyFileSystem.removeTree(staging) }
            KeyFileSystem.removeCreatedFolders(created)
            if let e = error as? CurveKeyFileError { throw failure(e) }
            throw error
        }
        return StagedBundle(root: root, keys: keys, staging: staging!,
                            aside: replaces ? root + "/.keys.replaced.\(UInt32.random(in: 0...UInt32.max))" : nil,
                            createdFolders: created)
    }

    private static func clientExists(_ name: String, _ path: String) -> CurveKeyFileError {
        CurveKeyFileError(code: .alreadyExists, path: path,
                          message: "a client named \(name) already exists (\(path)); revoke it first, or pass --replace to replace it")
    }

    private static func validate(name: String, allowReserved: Bool) throws {
        guard !name.isEmpty, !name.contains("/"), !name.hasPrefix("."), !name.utf8.contains(0), name.utf8.count <= 200 else {
            throw CurveKeyFileError(code: .invalidName, path: name,
                                    message: "\"\(name)\" cannot be a client name: use a plain file name without '/', not starting with '.'")
        }
        if !allowReserved && (name == "server" || name == "client") {
            throw CurveKeyFileError(code: .invalidName, path: name,
                                    message: "\"\(name)\" is reserved for vidgear's own key pair; pick another client name (to revoke it anyway, pass --force)")
        }
    }
}
