import BuiltInPlugins
import Foundation
import MediaRouter
import Testing

/// The top-level `control:` section: defaults, every option, and located errors.
@Suite("Graph control section")
struct ControlSectionTests {
    let loader = GraphLoader(registry: .builtIn)
    static let nodes = """
        nodes:
          gen:
            kind: frame.generate
            count: 1
          out:
            kind: frame.discard
            input: gen
        """

    func load(_ control: String, file: String = "/srv/graphs/cam.yaml") -> GraphLoader.Result {
        loader.load(text: Self.nodes + "\n" + control, file: file, baseDirectory: "/srv/graphs")
    }

    @Test func absentSectionMeansNoControlPlane() throws {
        let r = load("")
        #expect(r.diagnostics.errors.isEmpty, "\(r.diagnostics.errors)")
        #expect(try #require(r.graph).control == nil)
    }

    @Test func emptySectionTakesTheDefaults() throws {
        for text in ["control:", "control: {}"] {
            let r = load(text)
            #expect(r.diagnostics.errors.isEmpty, "\(r.diagnostics.errors)")
            let c = try #require(r.graph?.control)
            #expect(c.host == "127.0.0.1")
            #expect(c.port == 8787)
            #expect(c.tokensFile == "/srv/graphs/control-tokens")
            #expect(c.tlsCertificate == nil)
            #expect(c.isLoopback)
        }
    }

    @Test func listenAndTokensAreRead() throws {
        let r = load("""
            control:
              listen: 0.0.0.0:9000
              tokens: ./secrets/tokens
            """)
        #expect(r.diagnostics.errors.isEmpty, "\(r.diagnostics.errors)")
        let c = try #require(r.graph?.control)
        #expect(c.host == "0.0.0.0")
        #expect(c.port == 9000)
        #expect(!c.isLoopback)
        #expect(c.tokensFile == "/srv/graphs/secrets/tokens")
    }

    @Test(arguments: [
        ("127.0.0.1:8787", "127.0.0.1", 8787), ("[::1]:9", "::1", 9), (":80", "0.0.0.0", 80),
        ("8080", "127.0.0.1", 8080), ("localhost:0", "localhost", 0),
    ])
    func addresses(_ text: String, _ host: String, _ port: Int) throws {
        let a = try ControlSettings.parseAddress(text).get()
        #expect(a.host == host)
        #expect(a.port == port)
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        var yaml: String
        var line: Int
        var column: Int
        var message: String
        var testDescription: String { message }
    }

    // Lines count from the top of the file: the nodes take lines 1-7.
    static let bad: [Bad] = [
        Bad(yaml: "control:\n  listen: 127.0.0.1:99999", line: 9, column: 11, message: "is not a port"),
        Bad(yaml: "control:\n  listen: ::1:80", line: 9, column: 11, message: "put it in brackets"),
        Bad(yaml: "control:\n  listne: 127.0.0.1:80", line: 9, column: 3, message: "did you mean 'listen'"),
        Bad(yaml: "control: [a]", line: 8, column: 10, message: "'control' must be a mapping"),
        Bad(yaml: "control:\n  tokens:", line: 9, column: 3, message: "'control.tokens' must be a file path"),
        Bad(yaml: "control:\n  tls_cert: /nonexistent/cert.pem\n  tls_key: /nonexistent/key.pem", line: 9, column: 13, message: "cannot read /nonexistent/cert.pem"),
        Bad(yaml: "control:\n  tls_key: /etc/hostname", line: 9, column: 3, message: "'control.tls_key' needs 'tls_cert' too"),
    ]

    @Test(arguments: bad)
    func locatedErrors(_ c: Bad) throws {
        let r = load(c.yaml)
        #expect(r.graph == nil)
        let e = try #require(r.diagnostics.errors.first { $0.message.contains(c.message) }, "\(r.diagnostics.errors)")
        #expect(e.location.line == c.line, "\(e)")
        #expect(e.location.column == c.column, "\(e)")
        #expect(e.location.file == "/srv/graphs/cam.yaml")
    }

    @Test func controlErrorsComeWithNodeErrors() {
        let r = loader.load(text: """
            nodes:
              gen:
                kind: frame.generat
            control:
              listen: nowhere:port
            """, file: "g.yaml")
        #expect(r.graph == nil)
        #expect(r.diagnostics.errors.contains { $0.message.contains("frame.generat") })
        #expect(r.diagnostics.errors.contains { $0.message.contains("'port' is not a port") })
    }
}
