#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A CURVE certificate file in pyzmq's format (`zmq.auth.create_certificates` /
/// `load_certificate`), which vidgear uses for its keys:
///
/// ```
/// #   ****  Generated on 2026-11-26 16:26:50.335652 by media-router  ****
/// #   ZeroMQ CURVE Public Certificate
///
/// metadata
/// curve
///     public-key = "%4^$5LbeLP70(Pw:&hnnx8NyygfOytfn0yOPm^QX"
/// ```
///
/// A secret file (`NAME.key_secret`) has a `secret-key` line too. Secret files are written
/// with mode 0600 into a 0700 folder, and reading one that group or others can read is
/// refused, because a leaked server key lets anyone impersonate the server.
public struct CurveCertificate: Sendable {
    /// The certificate's public key.
    public let publicKey: CurveKey
    /// The secret key, present in secret files only.
    public let secretKey: CurveSecretKey?

    public init(publicKey: CurveKey, secretKey: CurveSecretKey? = nil) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// The key pair, when the certificate holds a secret key.
    public var keyPair: CurveKeyPair? { secretKey.map(CurveKeyPair.init(secret:)) }
}

// MARK: - Reading

extension CurveCertificate {
    /// Reads a public or secret certificate file, like pyzmq's `load_certificate`.
    ///
    /// Throws ``CurveKeyFileError`` when the file is missing, has no public key, holds a key
    /// that is not 40 characters of Z85, or holds a secret key while group or others can read
    /// it (``CurveKeyFileError/Code/insecurePermissions``, with the `chmod 600` fix).
    public static func read(from path: String) throws -> CurveCertificate {
        var file = try KeyFileSystem.readFile(path)
        defer { file.bytes.withUnsafeMutableBytes { Sodium.wipe($0) } }
        let certificate = try parse(file.bytes, path: path)
        if certificate.secretKey != nil && (file.mode & 0o077) != 0 {
            throw insecure(path, file.mode)
        }
        return certificate
    }

    /// Reads only the public key of a certificate file (a secret file's public half too,
    /// without looking at its permissions: the secret is not kept).
    public static func readPublicKey(from path: String) throws -> CurveKey {
        var file = try KeyFileSystem.readFile(path)
        defer { file.bytes.withUnsafeMutableBytes { Sodium.wipe($0) } }
        return try parse(file.bytes, path: path, wantsSecret: false).publicKey
    }

    /// Reads a secret certificate file; throws ``CurveKeyFileError/Code/missingSecretKey`` if
    /// it only holds a public key.
    public static func readKeyPair(from path: String) throws -> CurveKeyPair {
        let certificate = try read(from: path)
        guard let pair = certificate.keyPair else {
            throw CurveKeyFileError(code: .missingSecretKey, path: path,
                                    message: "\(path) holds no secret-key line; expected a secret certificate (NAME.key_secret)")
        }
        return pair
    }

    /// Every public key in `folder/*.key` (dot files excluded), sorted by name, like pyzmq's
    /// `load_certificates`. The name is the file name without `.key`. Throws on the first
    /// file that is not a valid certificate.
    public static func publicKeys(inDirectory folder: String) throws -> [(name: String, key: CurveKey)] {
        guard KeyFileSystem.isDirectory(folder) else {
            throw CurveKeyFileError(code: KeyFileSystem.exists(folder) ? .notADirectory : .fileNotFound, path: folder,
                                    message: "cannot read public keys from \(folder): it is not a folder")
        }
        return try KeyFileSystem.names(in: folder, withSuffix: ".key").map { name in
            (name: String(name.dropLast(4)), key: try readPublicKey(from: folder + "/" + name))
        }
    }

    /// Parses certificate text with pyzmq's rules: lines are stripped, `#` lines skipped, the
    /// value of a line starting with `public-key` / `secret-key` is what follows the first
    /// `=`, stripped of spaces, tabs and quotes; reading stops once both keys are found. CRLF
    /// line ends are tolerated. `path` only names the source in errors.
    public static func parse(_ contents: [UInt8], path: String = "<certificate>") throws -> CurveCertificate {
        try parse(contents, path: path, wantsSecret: true)
    }

    private static func parse(_ contents: [UInt8], path: String, wantsSecret: Bool) throws -> CurveCertificate {
        var publicValue: ArraySlice<UInt8> = []
        var secretValue: ArraySlice<UInt8> = []
        for rawLine in contents.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            let line = rawLine.trimming(isPythonWhitespace)
            if line.first == UInt8(ascii: "#") { continue }
            if line.starts(with: "public-key".utf8) {
                publicValue = try value(of: line, path: path, name: "public-key")
            }
            if line.starts(with: "secret-key".utf8) {
                secretValue = try value(of: line, path: path, name: "secret-key")
            }
            if !publicValue.isEmpty && !secretValue.isEmpty { break }
        }
        guard !publicValue.isEmpty else {
            throw CurveKeyFileError(code: .missingPublicKey, path: path,
                                    message: "no public key found in \(path): expected a line `public-key = \"<40 Z85 characters>\"`")
        }
        guard let publicKey = CurveKey(z85: String(decoding: publicValue, as: UTF8.self)) else {
            throw CurveKeyFileError(code: .malformedKey, path: path,
                                    message: "the public-key in \(path) is not a 40-character Z85 key")
        }
        guard wantsSecret, !secretValue.isEmpty else {
            return CurveCertificate(publicKey: publicKey)
        }
        guard let secretKey = CurveSecretKey(z85Bytes: secretValue) else {
            throw CurveKeyFileError(code: .malformedKey, path: path,
                                    message: "the secret-key in \(path) is not a 40-character Z85 key")
        }
        guard secretKey.publicKey == publicKey else {
            throw CurveKeyFileError(code: .mismatchedKeys, path: path,
                                    message: "the public-key in \(path) is not the public half of its secret-key; the file was edited or mixed up")
        }
        return CurveCertificate(publicKey: publicKey, secretKey: secretKey)
    }

    /// The text after the first `=`, stripped like pyzmq's `strip(b' \t\'"')`.
    private static func value(of line: ArraySlice<UInt8>, path: String, name: String) throws -> ArraySlice<UInt8> {
        guard let equals = line.firstIndex(of: UInt8(ascii: "=")) else {
            throw CurveKeyFileError(code: .malformedKey, path: path, message: "the \(name) line in \(path) has no `=`")
        }
        return line[line.index(after: equals)...].trimming { byte in
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"")
        }
    }

    /// What Python's `bytes.strip()` removes.
    private static func isPythonWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }

    private static func insecure(_ path: String, _ mode: mode_t) -> CurveKeyFileError {
        CurveKeyFileError(code: .insecurePermissions, path: path, message: """
            refusing to use secret key file \(path): its mode is \(KeyFileSystem.octal(mode)), so group or \
            others can read it. Restrict it with `chmod 600 \(path)` (and consider the key exposed if \
            others had access).
            """)
    }
}

// MARK: - Writing

extension CurveCertificate {
    /// Writes `key` as a public certificate file (`NAME.key`), mode 0644, replacing any
    /// existing file atomically. `comment` lines are added to the header.
    public static func writePublic(_ key: CurveKey, to path: String, comment: [String] = []) throws {
        try KeyFileSystem.writeFileAtomically(publicFileContents(key, comment: comment), to: path, mode: 0o644)
    }

    /// The text of a public certificate file, for callers that write it themselves.
    static func publicFileContents(_ key: CurveKey, comment: [String] = []) -> [UInt8] {
        Array((header(secret: false, comment: comment) + "metadata\ncurve\n    public-key = \"\(key.z85)\"\n").utf8)
    }

    /// Writes `pair` as a secret certificate file (`NAME.key_secret`): created with mode
    /// 0600 and renamed into place, in a folder that is created or tightened to 0700.
    public static func writeSecret(_ pair: CurveKeyPair, to path: String, comment: [String] = []) throws {
        let folder = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        if !folder.isEmpty {
            try KeyFileSystem.createFolder(folder, privateMode: true)
        }
        var bytes = Array((header(secret: true, comment: comment)
            + "metadata\ncurve\n    public-key = \"\(pair.publicKey.z85)\"\n    secret-key = \"").utf8)
        defer { bytes.withUnsafeMutableBytes { Sodium.wipe($0) } }
        // The secret goes straight from guarded memory into this buffer, which is wiped after
        // the write, rather than through a String that could not be wiped.
        pair.secretKey.withUnsafeBytes { secret in
            var text = [CChar](repeating: 0, count: CurveKey.z85Count + 1)
            defer { text.withUnsafeMutableBytes { Sodium.wipe($0) } }
            _ = text.withUnsafeMutableBufferPointer { Z85.encodeRaw(secret, into: $0) }
            bytes.reserveCapacity(bytes.count + CurveKey.z85Count + 2)
            bytes.append(contentsOf: text.prefix(CurveKey.z85Count).map { UInt8(bitPattern: $0) })
        }
        bytes.append(contentsOf: Array("\"\n".utf8))
        try KeyFileSystem.writeFileAtomically(bytes, to: path, mode: 0o600)
    }

    private static func header(secret: Bool, comment: [String]) -> String {
        var lines = ["****  Generated on \(pythonTimestamp()) by media-router  ****"]
        if secret {
            lines += ["ZeroMQ CURVE **Secret** Certificate",
                      "DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions."]
        } else {
            lines += ["ZeroMQ CURVE Public Certificate",
                      "Exchange securely, or use a secure mechanism to verify the contents",
                      "of this file after exchange."]
        }
        lines += comment.flatMap { $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
        return lines.map { "#   " + $0 + "\n" }.joined() + "\n"
    }

    /// Local time formatted like Python's `str(datetime.datetime.now())`.
    private static func pythonTimestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        localtime_r(&seconds, &parts)
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2)) "
            + "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2))."
            + pad(Int(now.tv_nsec) / 1000, 6)
    }
}

extension ArraySlice where Element == UInt8 {
    fileprivate func trimming(_ isTrimmed: (UInt8) -> Bool) -> ArraySlice<UInt8> {
        guard let first = firstIndex(where: { !isTrimmed($0) }), let last = lastIndex(where: { !isTrimmed($0) }) else {
            return []
        }
        return self[first...last]
    }
}
