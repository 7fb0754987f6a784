import BuiltInPlugins
import Foundation
import MediaRouter
import Testing

/// Each bad graph must give its own precise error at the right line and column.
@Suite("Graph validation")
struct ValidationTests {
    let loader = GraphLoader(registry: .builtIn)

    func diagnostics(_ yaml: String) -> [Diagnostic] {
        loader.load(text: yaml, file: "g.yaml").diagnostics.sorted
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var yaml: String
        var line: Int
        var column: Int
        var message: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "YAML syntax error", yaml: """
            nodes:
              gen:
                kind: frame.generate
                width: [320
            """, line: 5, column: 1, message: "YAML syntax error"),
        Case(name: "bad indentation", yaml: """
            nodes:
              gen:
                kind: frame.generate
               width: 3
            """, line: 4, column: 4, message: "YAML syntax error"),
        Case(name: "unknown kind lists the valid kinds", yaml: """
            nodes:
              cam:
                kind: gst.captur
            """, line: 3, column: 11, message: "unknown kind 'gst.captur' (did you mean 'gst.capture'?); valid kinds: "),
        Case(name: "unknown option suggests the nearest", yaml: """
            nodes:
              cam:
                kind: gst.capture
                widht: 320
              out:
                kind: frame.discard
                input: cam
            """, line: 4, column: 5, message: "unknown option 'widht' for gst.capture (did you mean 'width'?)"),
        Case(name: "wrong type", yaml: """
            nodes:
              cam:
                kind: gst.capture
                width: wide
              out:
                kind: frame.discard
                input: cam
            """, line: 4, column: 12, message: "option 'width' of gst.capture: expected an integer, got 'wide'"),
        Case(name: "out of range", yaml: """
            nodes:
              cam:
                kind: frame.generate
                height: 0
              out:
                kind: frame.discard
                input: cam
            """, line: 4, column: 13, message: "option 'height' of frame.generate: 0 is out of range (1...16384)"),
        Case(name: "bad choice", yaml: """
            nodes:
              cam:
                kind: frame.generate
                format: BRG
              out:
                kind: frame.discard
                input: cam
            """, line: 4, column: 13, message: "'BRG' is not one of BGR, RGB, GRAY8, BGRA, RGBA, JPEG (did you mean 'BGR'?)"),
        Case(name: "missing required option", yaml: """
            nodes:
              cam:
                kind: frame.generate
              slow:
                kind: frame.rate
                input: cam
              out:
                kind: frame.discard
                input: slow
            """, line: 4, column: 3, message: "node 'slow' (frame.rate) is missing required option 'framerate'"),
        Case(name: "input naming a node that does not exist", yaml: """
            nodes:
              cam:
                kind: frame.generate
              out:
                kind: frame.discard
                input: camera
            """, line: 6, column: 12, message: "input 'camera' of node 'out' does not exist"),
        Case(name: "cycle", yaml: """
            nodes:
              cam:
                kind: frame.generate
              a:
                kind: frame.rate
                framerate: 5
                inputs: [cam, b]
              b:
                kind: frame.rate
                framerate: 5
                input: a
              out:
                kind: frame.discard
                input: b
            """, line: 11, column: 12, message: "cycle in graph: "),
        Case(name: "a source given an input", yaml: """
            nodes:
              cam:
                kind: frame.generate
              cam2:
                kind: frame.generate
                input: cam
              out:
                kind: frame.discard
                inputs: [cam, cam2]
            """, line: 6, column: 5, message: "node 'cam2' is a source (frame.generate) and cannot take an input"),
        Case(name: "a sink that nothing feeds", yaml: """
            nodes:
              cam:
                kind: frame.generate
              out:
                kind: frame.discard
                input: cam
              lonely:
                kind: frame.discard
            """, line: 7, column: 3, message: "node 'lonely' (frame.discard) has no input: nothing feeds it"),
        Case(name: "formats that cannot meet", yaml: """
            nodes:
              cam:
                kind: frame.generate
              jpeg:
                kind: jpeg.encode
                input: cam
              window:
                kind: gst.output
                input: jpeg
            """, line: 9, column: 12, message: "node 'window' (gst.output) needs raw pixels, but its input 'jpeg' (jpeg.encode) produces JPEG frames; put a jpeg.decode node between them"),
        Case(name: "a list at the top level", yaml: """
            - kind: frame.generate
            """, line: 1, column: 1, message: "expected a mapping with 'nodes:' at the top level, found a list"),
        Case(name: "unknown top-level key", yaml: """
            name: x
            node:
              cam:
                kind: frame.generate
            """, line: 2, column: 1, message: "unknown top-level key 'node' (did you mean 'nodes'?)"),
        Case(name: "duplicate node name", yaml: """
            nodes:
              cam:
                kind: frame.generate
              cam:
                kind: frame.generate
            """, line: 4, column: 3, message: "duplicate key 'cam' (first given at line 2, column 3)"),
        Case(name: "node without kind", yaml: """
            nodes:
              cam:
                width: 3
            """, line: 2, column: 3, message: "node 'cam' has no 'kind'; valid kinds: "),
        Case(name: "bad queue policy", yaml: """
            nodes:
              cam:
                kind: frame.generate
              out:
                kind: frame.discard
                input: {node: cam, queue: {size: 3, policy: drop-newest}}
            """, line: 6, column: 49, message: "queue 'policy' must be block or drop-oldest"),
        Case(name: "bad duration", yaml: """
            nodes:
              cam:
                kind: frame.generate
              out:
                kind: frame.discard
                input: cam
                delay: soon
            """, line: 7, column: 12, message: "expected a duration such as 500ms"),
    ]

    @Test(arguments: cases)
    func badGraphGivesLocatedError(_ c: Case) {
        let ds = diagnostics(c.yaml).filter { $0.severity == .error }
        let match = ds.first { $0.message.contains(c.message) }
        #expect(match != nil, "expected an error containing \"\(c.message)\", got: \(ds.map(\.description))")
        if let match {
            #expect(match.location.line == c.line && match.location.column == c.column,
                    "\(c.name): expected \(c.line):\(c.column), got \(match.location.line):\(match.location.column)")
            #expect(match.description.hasPrefix("g.yaml:\(c.line):\(c.column): "))
        }
    }

    @Test func everyProblemIsReportedAtOnce() {
        let ds = diagnostics("""
            nodes:
              cam:
                kind: frame.generate
                widht: 3
                height: tall
              out:
                kind: frame.discard
                input: nothere
            """).filter { $0.severity == .error }
        #expect(ds.count == 3, "\(ds)")
    }

    @Test func validGraphHasNoErrors() {
        let r = loader.load(text: """
            name: ok
            nodes:
              cam: {kind: frame.generate, width: 64, height: 48}
              rate: {kind: frame.rate, input: cam, framerate: 10}
              out: {kind: frame.discard, input: rate}
            """)
        #expect(r.graph != nil)
        #expect(r.diagnostics.items.isEmpty)
        #expect(r.graph?.nodes.map(\.name) == ["cam", "rate", "out"])
    }

    @Test func emptyFileIsAnError() {
        let ds = diagnostics("")
        #expect(ds.count == 1)
        #expect(ds.first?.message.contains("file is empty") == true)
        #expect(diagnostics("# only a comment\n\n").first?.message.contains("file is empty") == true)
    }

    @Test func hugeFileIsRefusedWithoutParsing() throws {
        let dir = TestSupportDir.make()
        let path = dir + "/huge.yaml"
        var text = "nodes:\n"
        let line = "  # " + String(repeating: "x", count: 96) + "\n"
        while text.utf8.count < 10_000_000 { text += line }
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        let r = loader.load(path: path)
        #expect(r.graph == nil)
        #expect(r.diagnostics.items.first?.message.contains("too large") == true)
        #expect(r.diagnostics.items.first?.location.line == 1)
    }

    @Test func nonUTF8FileIsLocated() throws {
        let dir = TestSupportDir.make()
        let path = dir + "/latin1.yaml"
        var bytes = Array("nodes:\n  cam:\n    kind: frame.generate # caf".utf8)
        bytes.append(0xE9)  // é in Latin-1
        bytes.append(contentsOf: Array("\n".utf8))
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let r = loader.load(path: path)
        #expect(r.graph == nil)
        let d = try #require(r.diagnostics.items.first)
        #expect(d.message.contains("not valid UTF-8"))
        #expect(d.location.line == 3)
        #expect(d.location.column == 31)
    }

    @Test func missingFile() {
        let r = loader.load(path: "/nonexistent/graph.yaml")
        #expect(r.graph == nil)
        #expect(r.diagnostics.items.first?.message == "no such file")
    }

    @Test func aliasBombIsRefused() {
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1..<9 { yaml += "a\(i): &a\(i) [*a\(i-1), *a\(i-1), *a\(i-1), *a\(i-1), *a\(i-1), *a\(i-1), *a\(i-1), *a\(i-1), *a\(i-1), *a\(i-1)]\n" }
        yaml += "nodes: {}\n"
        let ds = diagnostics(yaml)
        #expect(ds.first?.message.contains("expands to more than") == true)
    }

    @Test func deadEndProducesAWarning() {
        let r = loader.load(text: """
            nodes:
              cam: {kind: frame.generate}
              spare: {kind: frame.generate}
              out: {kind: frame.discard, input: cam}
            """, file: "g.yaml")
        #expect(r.graph != nil)
        #expect(r.diagnostics.warnings.count == 1)
        #expect(r.diagnostics.warnings.first?.message.contains("feeds no other node") == true)
    }

    @Test func queueOverridesApply() throws {
        let r = loader.load(text: """
            nodes:
              cam: {kind: frame.generate}
              a: {kind: frame.discard, input: cam, queue: {size: 7, policy: block}}
              b: {kind: frame.discard, inputs: [{node: cam, queue: {size: 2, policy: drop-oldest}}]}
            """)
        let g = try #require(r.graph)
        let qa = g.edges.first { g.nodes[$0.to].name == "a" }?.queue
        let qb = g.edges.first { g.nodes[$0.to].name == "b" }?.queue
        #expect(qa == QueueSettings(size: 7, policy: .block))
        #expect(qb == QueueSettings(size: 2, policy: .dropOldest))
    }
}

enum TestSupportDir {
    static func make() -> String {
        let path = NSTemporaryDirectory() + "mr-validate-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
