import Foundation
import MediaRouter
import Testing

/// Ports and endpoints are checked when the graph is validated: a port outside 1...65535 (which
/// the kernel would take modulo 65536, or libzmq as "any port") or a word where a number belongs
/// is a located error naming the value.
@Suite("NetGear ports")
struct PortRangeTests {
    static func errors(_ yaml: String) -> [Diagnostic] {
        GraphLoader(registry: registry).load(text: yaml, file: "g.yaml").diagnostics.errors
    }

    static func sender(_ options: String) -> String {
        """
        nodes:
          cam: {kind: test.indexed}
          tx:
            kind: netgear.send
            input: cam
            \(options)
        """
    }

    static func receiver(_ options: String) -> String {
        """
        nodes:
          rx:
            kind: netgear.receive
            \(options)
          sink: {kind: frame.discard, input: rx}
        """
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var yaml: String
        var message: String
        var line: Int
        var column: Int
        var testDescription: String { message }
    }

    static let cases: [Case] = [
        Case(yaml: sender("port: 0"), message: "port 0 is out of range 1...65535", line: 6, column: 11),
        Case(yaml: sender("port: 65536"), message: "port 65536 is out of range 1...65535", line: 6, column: 11),
        Case(yaml: sender("port: -1"), message: "port -1 is out of range 1...65535", line: 6, column: 11),
        Case(yaml: sender("port: http"), message: "port 'http' is not a number: give a TCP port from 1 to 65535", line: 6, column: 11),
        Case(yaml: sender("port: 5555.5"), message: "port '5555.5' is not a whole number: give a TCP port from 1 to 65535", line: 6, column: 11),
        Case(yaml: receiver("port: 70000"), message: "port 70000 is out of range 1...65535", line: 4, column: 11),
        Case(yaml: receiver("port: '70000'"), message: "port 70000 is out of range 1...65535", line: 4, column: 11),
        Case(yaml: receiver("pattern: 1\n    multiserver_mode: true\n    port: [5566, 70000]"),
             message: "port 70000 is out of range 1...65535", line: 6, column: 11),
        Case(yaml: receiver("pattern: 1\n    multiserver_mode: true\n    port: [0, 5567]"),
             message: "port 0 is out of range 1...65535", line: 6, column: 11),
        Case(yaml: receiver("bind: tcp://*:99999"), message: "'tcp://*:99999': port 99999 is out of range 1...65535", line: 4, column: 11),
        Case(yaml: receiver("bind: tcp://*:0"), message: "'tcp://*:0': port 0 is out of range 1...65535", line: 4, column: 11),
        Case(yaml: sender("connect: [tcp://127.0.0.1:5454, 'tcp://10.0.0.5:65536']"),
             message: "'tcp://10.0.0.5:65536': port 65536 is out of range 1...65535", line: 6, column: 14),
        Case(yaml: sender("connect: tcp://10.0.0.5:*"),
             message: "'tcp://10.0.0.5:*': a connecting node needs the peer's port (1...65535); * (any free port) is for bind only", line: 6, column: 14),
        Case(yaml: sender("connect: tcp://10.0.0.5:http"), message: "'tcp://10.0.0.5:http' needs a port, e.g. tcp://*:5454", line: 6, column: 14),
    ]

    @Test(arguments: cases)
    func badPortsAreLocatedErrors(_ c: Case) {
        let errors = Self.errors(c.yaml)
        #expect(errors.count == 1, "\(errors)")
        guard let e = errors.first else { return }
        #expect(e.message.contains(c.message), "\(errors)")
        #expect(e.location.line == c.line && e.location.column == c.column, "\(errors)")
        #expect(!e.message.contains("is a list"), "a single port is not a list")
    }

    @Test(arguments: [
        receiver("port: 5555"), receiver("port: '5555'"), receiver("port: 65535"), receiver("port: 1"),
        receiver("bind: tcp://*:*"), receiver("bind: [tcp://127.0.0.1:5454, 'tcp://[::1]:5455']"),
        receiver("protocol: ipc\n    address: /tmp/netgear\n    port: cam1"),
        receiver("pattern: 1\n    multiserver_mode: true\n    port: [5566, '5567']"),
        sender("pattern: 1\n    multiclient_mode: true\n    port: [5566, 5567]"),
        sender("connect: tcp://camera.local:5454"),
    ])
    func goodPortsPass(_ yaml: String) {
        #expect(Self.errors(yaml).isEmpty, "\(Self.errors(yaml))")
    }
}
