import Foundation
import MediaRouter
import Testing

/// Two nodes of one graph binding the same port would fail only when the graph runs (the second
/// bind finds the address in use): `validate` reports it on the second node, naming the first.
@Suite("NetGear port claims")
struct PortClaimTests {
    static func diagnostics(_ nodes: String) -> [Diagnostic] {
        GraphLoader(registry: registry).load(text: "nodes:\n" + nodes, file: "g.yaml").diagnostics.errors
    }

    @Test func twoReceiversOnOnePort() throws {
        let errors = Self.diagnostics("""
              a:
                kind: netgear.receive
                port: 5555
              b:
                kind: netgear.receive
                port: 5555
              sink: {kind: frame.discard, inputs: [a, b]}
            """)
        #expect(errors.count == 1, "\(errors)")
        let e = try #require(errors.first)
        #expect(e.location.line == 7 && e.location.column == 11, "\(e)")
        #expect(e.message.contains("node 'b' binds tcp://*:5555"), "\(e)")
        #expect(e.message.contains("node 'a' (g.yaml:4:11) already binds tcp://*:5555"), "\(e)")
    }

    @Test func defaultPortsClashAtTheNode() throws {
        let errors = Self.diagnostics("""
              a: {kind: netgear.receive}
              b: {kind: netgear.receive}
              sink: {kind: frame.discard, inputs: [a, b]}
            """)
        #expect(errors.count == 1, "\(errors)")
        let e = try #require(errors.first)
        #expect(e.location.line == 3 && e.location.column == 3, "\(e)")
        #expect(e.message.contains("node 'b' binds tcp://*:5555") && e.message.contains("node 'a'"), "\(e)")
    }

    @Test func bindTwiceAcrossKinds() throws {
        let errors = Self.diagnostics("""
              rx:
                kind: netgear.receive
                bind: tcp://*:5454
              tx:
                kind: netgear.send
                input: rx
                bind: tcp://*:5454
            """)
        #expect(errors.count == 1, "\(errors)")
        let e = try #require(errors.first)
        #expect(e.location.line == 8 && e.location.column == 11, "\(e)")
        #expect(e.message.contains("node 'tx' binds tcp://*:5454") && e.message.contains("node 'rx'"), "\(e)")
    }

    @Test func anyAddressOverlapsOneAddress() throws {
        let errors = Self.diagnostics("""
              a:
                kind: netgear.receive
                bind: tcp://*:6000
              b:
                kind: netgear.receive
                address: 127.0.0.1
                port: 6000
              sink: {kind: frame.discard, inputs: [a, b]}
            """)
        #expect(errors.count == 1, "\(errors)")
        let e = try #require(errors.first)
        #expect(e.message.contains("node 'b' binds tcp://127.0.0.1:6000") && e.message.contains("already binds tcp://*:6000"), "\(e)")
    }

    @Test func aListNamingOnePortTwice() throws {
        let errors = Self.diagnostics("""
              rx:
                kind: netgear.receive
                pattern: 1
                multiserver_mode: true
                port: [5566, 5567, 5566]
              sink: {kind: frame.discard, input: rx}
            """)
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.message.contains("node 'rx' binds tcp://*:5566 twice") == true, "\(errors)")
    }

    @Test func ipcPathTwice() throws {
        let errors = Self.diagnostics("""
              a: {kind: netgear.receive, protocol: ipc, address: /tmp/ng-x}
              b: {kind: netgear.receive, bind: 'ipc:///tmp/ng-x:5555'}
              sink: {kind: frame.discard, inputs: [a, b]}
            """)
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.message.contains("node 'b' binds ipc:///tmp/ng-x:5555") == true, "\(errors)")
    }

    @Test func whatMayShare() {
        // Different addresses, any-port binds, and a sender connecting to its receiver's port.
        #expect(Self.diagnostics("""
              a: {kind: netgear.receive, address: 127.0.0.1, port: 7000}
              b: {kind: netgear.receive, address: 127.0.0.2, port: 7000}
              c: {kind: netgear.receive, bind: 'tcp://127.0.0.1:*'}
              d: {kind: netgear.receive, bind: 'tcp://127.0.0.1:*'}
              sink: {kind: frame.discard, inputs: [a, b, c, d]}
              tx: {kind: netgear.send, input: a, address: 127.0.0.1, port: 7000}
            """).isEmpty)
    }

    @Test func claimsAreKeptOnTheGraph() throws {
        let graph = try #require(GraphLoader(registry: registry).load(text: """
            nodes:
              rx: {kind: netgear.receive, port: 5600}
              tx: {kind: netgear.send, input: rx, bind: 'tcp://127.0.0.1:5601'}
            """, file: "g.yaml").graph)
        #expect(graph.node(named: "rx")?.claims.map(\.description) == ["binds tcp://*:5600"])
        #expect(graph.node(named: "tx")?.claims.map(\.description) == ["binds tcp://127.0.0.1:5601"])
    }
}
