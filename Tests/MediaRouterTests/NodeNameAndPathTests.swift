import BuiltInPlugins
import Foundation
import MediaRouter
import Testing

/// Node names become parts of file names (`{node}` in a recording path), so they are checked
/// like file names; path options are checked for being paths at all.
@Suite("Node names and path options")
struct NodeNameAndPathTests {
    let loader = GraphLoader(registry: .builtIn)

    func errors(_ yaml: String) -> [Diagnostic] {
        loader.load(text: yaml, file: "g.yaml").diagnostics.sorted.filter { $0.severity == .error }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var yaml: String
        var line: Int
        var column: Int
        var message: String
        var testDescription: String { name }
    }

    static let badNames: [Case] = [
        Case(name: "a name that climbs out of the graph's folder", yaml: """
            nodes:
              ../../escape:
                kind: frame.generate
              out: {kind: frame.discard, input: ../../escape}
            """, line: 2, column: 3,
            message: "node name '../../escape' contains '/'; node names may contain only letters a-z and A-Z, digits, '_', '-' and '.', and start with a letter, a digit or '_' (they become parts of file names)"),
        Case(name: "a hidden-file name", yaml: """
            nodes:
              .cam:
                kind: frame.generate
              out: {kind: frame.discard, input: .cam}
            """, line: 2, column: 3, message: "node name '.cam' starts with '.'; node names may contain only"),
        Case(name: "a space", yaml: """
            nodes:
              my cam:
                kind: frame.generate
              out: {kind: frame.discard, input: my cam}
            """, line: 2, column: 3, message: "node name 'my cam' contains ' '; node names may contain only"),
        Case(name: "a backslash", yaml: """
            nodes:
              'a\\b':
                kind: frame.generate
            """, line: 2, column: 3, message: "node name 'a\\b' contains '\\'; node names may contain only"),
        Case(name: "an empty name", yaml: """
            nodes:
              "":
                kind: frame.generate
            """, line: 2, column: 3, message: "a node name is empty; node names may contain only"),
        Case(name: "a list as a name", yaml: """
            nodes:
              [a, b]:
                kind: frame.generate
            """, line: 2, column: 3, message: "node names must be strings, found a list"),
        Case(name: "a mapping as a name", yaml: """
            nodes:
              {a: 1}:
                kind: frame.generate
            """, line: 2, column: 3, message: "node names must be strings, found a mapping"),
        Case(name: "a very long name", yaml: """
            nodes:
              \(String(repeating: "a", count: 65)):
                kind: frame.generate
            """, line: 2, column: 3, message: "is longer than 64 characters"),
    ]

    @Test(arguments: badNames)
    func badNodeNameIsALocatedError(_ c: Case) {
        let ds = errors(c.yaml)
        let match = ds.first { $0.message.contains(c.message) }
        #expect(match != nil, "expected an error containing \"\(c.message)\", got: \(ds.map(\.description))")
        if let match {
            #expect(match.description.hasPrefix("g.yaml:\(c.line):\(c.column): "), "\(match)")
        }
        // Swift's own description of a YAML node is no message for a user.
        #expect(!ds.contains { $0.message.contains("Yams") || $0.message.contains("sequence(") }, "\(ds)")
    }

    @Test func usualNamesAreAccepted() {
        let r = loader.load(text: """
            nodes:
              cam_1: {kind: frame.generate}
              Cam-2.left: {kind: frame.generate}
              _x: {kind: frame.discard, inputs: [cam_1, Cam-2.left]}
              "42": {kind: frame.discard, input: cam_1}
            """, file: "g.yaml")
        #expect(r.graph != nil, "\(r.diagnostics.sorted)")
    }

    static let emptyPaths: [Case] = [
        Case(name: "gst.record path", yaml: """
            nodes:
              cam: {kind: frame.generate}
              rec:
                kind: gst.record
                input: cam
                path: ""
            """, line: 6, column: 11, message: "option 'path' of gst.record: expected a path, got an empty string"),
        Case(name: "gst.record path of spaces", yaml: """
            nodes:
              cam: {kind: frame.generate}
              rec: {kind: gst.record, input: cam, path: '  '}
            """, line: 3, column: 45, message: "option 'path' of gst.record: expected a path, got an empty string"),
        Case(name: "gst.capture file", yaml: """
            nodes:
              cam:
                kind: gst.capture
                file: ""
              out: {kind: frame.discard, input: cam}
            """, line: 4, column: 11, message: "option 'file' of gst.capture: expected a path, got an empty string"),
        Case(name: "gst.capture device", yaml: """
            nodes:
              cam:
                kind: gst.capture
                device: ''
              out: {kind: frame.discard, input: cam}
            """, line: 4, column: 13, message: "option 'device' of gst.capture: expected a path, got an empty string"),
        Case(name: "netgear custom_cert_location", yaml: """
            nodes:
              cam: {kind: frame.generate}
              send:
                kind: netgear.send
                input: cam
                secure_mode: 1
                custom_cert_location: ""
            """, line: 7, column: 27, message: "option 'custom_cert_location' of netgear.send: expected a path, got an empty string"),
    ]

    @Test(arguments: emptyPaths)
    func emptyPathIsALocatedError(_ c: Case) {
        let ds = errors(c.yaml)
        let match = ds.first { $0.message.contains(c.message) }
        #expect(match != nil, "expected an error containing \"\(c.message)\", got: \(ds.map(\.description))")
        if let match {
            #expect(match.description.hasPrefix("g.yaml:\(c.line):\(c.column): "), "\(match)")
        }
    }
}
