import Foundation
import MediaRouter
import Testing
import TestSupport
import ZeroMQ

/// `validate` (and `run`, which validates first) reports a secure node's key folder that the
/// node could not start with, at its `custom_cert_location`, with the command that makes the
/// keys. Nodes that make missing keys themselves (a binding CURVE server, a sender with
/// overwrite_cert) only need the folder to exist.
@Suite("NetGear key folder validation")
struct KeyFolderValidationTests {
    func diagnostics(_ yaml: String, base: String) -> [Diagnostic] {
        GraphLoader(registry: registry).load(text: yaml, file: "g.yaml", baseDirectory: base).diagnostics.sorted
    }

    func keyErrors(_ yaml: String, base: String) -> [Diagnostic] {
        diagnostics(yaml, base: base).filter { $0.severity == .error && $0.message.contains("custom_cert_location") }
    }

    @Test func missingFolderIsALocatedErrorWithTheCommandThatMakesIt() throws {
        let base = TestPaths.temporaryDirectory("ng-val-missing")
        let yaml = """
            nodes:
              cam: {kind: frame.generate}
              tx:
                kind: netgear.send
                input: cam
                secure_mode: ironhouse
                custom_cert_location: keys
                bind: tcp://127.0.0.1:5454
            """
        let errors = keyErrors(yaml, base: base)
        #expect(errors.count == 1, "\(diagnostics(yaml, base: base))")
        let error = try #require(errors.first)
        #expect(error.location.line == 7 && error.location.column == 27, "\(error)")
        #expect(error.message.contains("\(base)/keys does not exist"), "\(error.message)")
        #expect(error.message.contains("media-router keys generate --location \(base)/keys"), "\(error.message)")
    }

    /// A connecting node is a CURVE client: it needs the keys it was given and makes none.
    @Test(arguments: ["netgear.receive", "netgear.send"])
    func connectingNodeNeedsItsKeys(_ kind: String) throws {
        let base = TestPaths.temporaryDirectory("ng-val-client")
        let input = kind == "netgear.send" ? "input: cam, " : ""
        let sink = kind == "netgear.send" ? "" : "\n  out: {kind: frame.discard, input: n}"
        let yaml = """
            nodes:
              cam: {kind: frame.generate}
              n: {kind: \(kind), \(input)secure_mode: 1, custom_cert_location: \(base), connect: "tcp://127.0.0.1:5454"}\(sink)
            """
        let errors = keyErrors(yaml, base: base)
        #expect(errors.count == 1, "\(diagnostics(yaml, base: base))")
        let error = try #require(errors.first)
        #expect(error.location.line == 3, "\(error)")
        #expect(error.message.contains("\(base)/.vidgear/keys"), "\(error.message)")
        #expect(error.message.contains("client.key_secret"), "\(error.message)")
        #expect(error.message.contains("media-router keys generate --location \(base)"), "\(error.message)")
        #expect(error.message.contains("media-router keys add-client"), "\(error.message)")

        // With the keys in place it validates.
        try VidgearKeyStore(customCertLocation: base).ensureKeys()
        #expect(keyErrors(yaml, base: base).isEmpty)
    }

    /// vidgear's defaults: the sender connects, so it needs keys too, unless overwrite_cert makes them.
    @Test func connectingSenderWithOverwriteCertMakesItsOwnKeys() {
        let base = TestPaths.temporaryDirectory("ng-val-overwrite")
        let yaml = """
            nodes:
              cam: {kind: frame.generate}
              tx: {kind: netgear.send, input: cam, secure_mode: 2, overwrite_cert: true, custom_cert_location: \(base)}
            """
        #expect(keyErrors(yaml, base: base).isEmpty, "\(diagnostics(yaml, base: base))")
        let without = yaml.replacingOccurrences(of: "overwrite_cert: true, ", with: "")
        #expect(keyErrors(without, base: base).count == 1, "\(diagnostics(without, base: base))")
    }

    /// A binding node is the CURVE server and makes missing keys itself (as vidgear does), so an
    /// existing empty folder is fine.
    @Test func bindingNodeMakesMissingKeys() {
        let base = TestPaths.temporaryDirectory("ng-val-server")
        let yaml = """
            nodes:
              rx: {kind: netgear.receive, secure_mode: 2, custom_cert_location: \(base), address: 127.0.0.1}
              out: {kind: frame.discard, input: rx}
            """
        #expect(keyErrors(yaml, base: base).isEmpty, "\(diagnostics(yaml, base: base))")
    }

    @Test func aFileIsNotAKeyFolder() throws {
        let base = TestPaths.temporaryDirectory("ng-val-file")
        _ = FileManager.default.createFile(atPath: base + "/keys", contents: Data("x".utf8))
        let yaml = """
            nodes:
              rx: {kind: netgear.receive, secure_mode: 2, custom_cert_location: keys, address: 127.0.0.1}
              out: {kind: frame.discard, input: rx}
            """
        let errors = keyErrors(yaml, base: base)
        #expect(errors.count == 1 && errors[0].message.contains("\(base)/keys is not a folder"), "\(diagnostics(yaml, base: base))")
    }

    /// Without secure_mode the folder is not used, and only the existing warning is given.
    @Test func noSecureModeNoKeyCheck() {
        let base = TestPaths.temporaryDirectory("ng-val-plain")
        let yaml = """
            nodes:
              rx: {kind: netgear.receive, custom_cert_location: missing, address: 127.0.0.1}
              out: {kind: frame.discard, input: rx}
            """
        #expect(keyErrors(yaml, base: base).isEmpty)
    }
}
