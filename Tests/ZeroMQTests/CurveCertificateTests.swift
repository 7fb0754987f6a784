import Foundation
import Testing
@testable import ZeroMQ

@Suite("Certificate files")
struct CurveCertificateTests {
    /// netgear-protocol.md §4.4, as pyzmq writes them.
    static let pyzmqPublic = """
        #   ****  Generated on 2026-11-26 16:26:50.335652 by pyzmq  ****
        #   ZeroMQ CURVE Public Certificate
        #   Exchange securely, or use a secure mechanism to verify the contents
        #   of this file after exchange. Store public certificates in your home
        #   directory, in the .curve subdirectory.

        metadata
        curve
            public-key = "%4^$5LbeLP70(Pw:&hnnx8NyygfOytfn0yOPm^QX"

        """
    static let pyzmqSecret = """
        #   ****  Generated on 2026-11-26 16:26:50.335990 by pyzmq  ****
        #   ZeroMQ CURVE **Secret** Certificate
        #   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.

        metadata
        curve
            public-key = "\(KnownKeys.serverPublic)"
            secret-key = "\(KnownKeys.serverSecret)"

        """

    @Test("parses pyzmq's public file, with LF and with CRLF line ends")
    func parsesPyzmqPublic() throws {
        for text in [Self.pyzmqPublic, Self.pyzmqPublic.replacingOccurrences(of: "\n", with: "\r\n")] {
            let certificate = try CurveCertificate.parse(Array(text.utf8))
            #expect(certificate.publicKey.z85 == "%4^$5LbeLP70(Pw:&hnnx8NyygfOytfn0yOPm^QX")
            #expect(certificate.secretKey == nil)
        }
    }

    @Test("parses a pyzmq-style secret file, with LF and with CRLF line ends")
    func parsesPyzmqSecret() throws {
        for text in [Self.pyzmqSecret, Self.pyzmqSecret.replacingOccurrences(of: "\n", with: "\r\n")] {
            let certificate = try CurveCertificate.parse(Array(text.utf8))
            #expect(certificate.publicKey.z85 == KnownKeys.serverPublic)
            #expect(certificate.secretKey?.unsafeZ85ForWriting() == KnownKeys.serverSecret)
        }
    }

    @Test("parses the secret file sample from netgear-protocol.md §4.4 verbatim")
    func parsesDocumentedSecretSample() throws {
        let text = """
            #   ****  Generated on 2026-11-26 16:26:50.335990 by pyzmq  ****
            #   ZeroMQ CURVE **Secret** Certificate
            #   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.

            metadata
            curve
                public-key = "wh8%*Q6w{@M^>ovxNo3?Vw)R4K@M%uOc[6B*UcP]"
                secret-key = "c64%=c{&7KHH=i=T/0@K1HIpyxFB+coqk]VNj.B-"

            """
        for variant in [text, text.replacingOccurrences(of: "\n", with: "\r\n")] {
            let certificate = try CurveCertificate.parse(Array(variant.utf8))
            #expect(certificate.publicKey.z85 == "wh8%*Q6w{@M^>ovxNo3?Vw)R4K@M%uOc[6B*UcP]")
            #expect(certificate.secretKey?.publicKey == certificate.publicKey)
        }
    }

    @Test("follows pyzmq's line rules: quotes, tabs, comments, first '='")
    func lineRules() throws {
        let text = "# public-key = \"ignored\"\n\tpublic-key\t=\t'\(KnownKeys.clientPublic)'  \n"
        #expect(try CurveCertificate.parse(Array(text.utf8)).publicKey.z85 == KnownKeys.clientPublic)
        let unquoted = "curve\npublic-key=\(KnownKeys.clientPublic)"
        #expect(try CurveCertificate.parse(Array(unquoted.utf8)).publicKey.z85 == KnownKeys.clientPublic)
    }

    @Test("a file without a public key, or with a bad one, is a clear error")
    func missingOrBadPublicKey() {
        #expect { try CurveCertificate.parse(Array("metadata\ncurve\n".utf8), path: "/x/a.key") } throws: { error in
            let error = error as? CurveKeyFileError
            return error?.code == .missingPublicKey && error?.message.contains("/x/a.key") == true
        }
        #expect { try CurveCertificate.parse(Array("public-key = \"short\"".utf8)) } throws: { error in
            (error as? CurveKeyFileError)?.code == .malformedKey
        }
        #expect { try CurveCertificate.parse(Array("public-key \"no equals\"".utf8)) } throws: { error in
            (error as? CurveKeyFileError)?.code == .malformedKey
        }
    }

    @Test("a secret file whose public key is not its secret's half is refused")
    func mismatchedSecretFile() {
        let text = "public-key = \"\(KnownKeys.clientPublic)\"\nsecret-key = \"\(KnownKeys.serverSecret)\"\n"
        #expect { try CurveCertificate.parse(Array(text.utf8)) } throws: { error in
            let error = error as? CurveKeyFileError
            return error?.code == .mismatchedKeys && error?.message.contains(KnownKeys.serverSecret) == false
        }
    }

    @Test("write then read round trips, in pyzmq's layout, with 0600 secrets in a 0700 folder")
    func roundTrip() throws {
        let folder = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pair = try CurveKeyPair.generate()
        let publicPath = folder + "/alice.key"
        let secretPath = folder + "/secrets/alice.key_secret"
        try CurveCertificate.writePublic(pair.publicKey, to: publicPath)
        try CurveCertificate.writeSecret(pair, to: secretPath)

        #expect(try CurveCertificate.readPublicKey(from: publicPath) == pair.publicKey)
        let loaded = try CurveCertificate.readKeyPair(from: secretPath)
        #expect(loaded.publicKey == pair.publicKey)
        #expect(loaded.secretKey.constantTimeEquals(pair.secretKey))
        #expect(fileMode(secretPath) == 0o600)
        #expect(fileMode(folder + "/secrets") == 0o700)
        #expect(fileMode(publicPath) == 0o644)

        let text = try String(contentsOfFile: secretPath, encoding: .utf8)
        let lines = text.components(separatedBy: "\n")
        #expect(lines.first?.hasPrefix("#   ****  Generated on ") == true)
        let blank = try #require(lines.firstIndex(of: ""))
        #expect(lines[..<blank].allSatisfy { $0.hasPrefix("#") })
        #expect(Array(lines[(blank + 1)...]) == [
            "metadata", "curve",
            "    public-key = \"\(pair.publicKey.z85)\"",
            "    secret-key = \"\(pair.secretKey.unsafeZ85ForWriting())\"",
            "",
        ])
        #expect(text.hasSuffix("\"\n"))
        let publicText = try String(contentsOfFile: publicPath, encoding: .utf8)
        #expect(publicText.hasSuffix("metadata\ncurve\n    public-key = \"\(pair.publicKey.z85)\"\n"))
        #expect(!publicText.contains("secret-key"))
        // No temporary files are left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["alice.key", "secrets"])
    }

    @Test("a secret file readable by group or others is refused with the chmod fix")
    func refusesInsecureSecret() throws {
        let folder = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/server.key_secret"
        try Array(Self.pyzmqSecret.utf8).withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: path)) }
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)

        #expect { try CurveCertificate.readKeyPair(from: path) } throws: { error in
            guard let error = error as? CurveKeyFileError else { return false }
            return error.code == .insecurePermissions && error.message.contains("chmod 600 \(path)")
                && error.message.contains("0644") && !error.message.contains(KnownKeys.serverSecret)
        }
        // The public half is still readable: it is not secret.
        #expect(try CurveCertificate.readPublicKey(from: path).z85 == KnownKeys.serverPublic)

        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        #expect(try CurveCertificate.readKeyPair(from: path).publicKey.z85 == KnownKeys.serverPublic)
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: path)
        #expect(throws: CurveKeyFileError.self) { try CurveCertificate.readKeyPair(from: path) }
    }

    @Test("a missing file is a fileNotFound error naming the path")
    func missingFile() {
        #expect { try CurveCertificate.read(from: "/nonexistent/x.key") } throws: { error in
            let error = error as? CurveKeyFileError
            return error?.code == .fileNotFound && error?.message.contains("/nonexistent/x.key") == true
        }
    }

    @Test("publicKeys(inDirectory:) reads every *.key like pyzmq's load_certificates")
    func directoryListing() throws {
        let folder = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let alice = try CurveKeyPair.generate(), bob = try CurveKeyPair.generate()
        try CurveCertificate.writePublic(alice.publicKey, to: folder + "/alice.key")
        try CurveCertificate.writePublic(bob.publicKey, to: folder + "/bob.key")
        try CurveCertificate.writeSecret(bob, to: folder + "/bob.key_secret")
        try Data("junk".utf8).write(to: URL(fileURLWithPath: folder + "/.hidden.key"))
        let keys = try CurveCertificate.publicKeys(inDirectory: folder)
        #expect(keys.map(\.name) == ["alice", "bob"])
        #expect(keys.map(\.key) == [alice.publicKey, bob.publicKey])
    }
}
