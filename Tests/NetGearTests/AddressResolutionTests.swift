import Foundation
import MediaRouter
import Testing
import TestSupport

/// A host name that does not resolve is named in the log (with the node), and the node keeps
/// trying as connects do; binding a name that is no address of this machine says so.
@Suite("NetGear addresses")
struct AddressResolutionTests {
    @Test(arguments: ["sender", "receiver"])
    func unresolvableHostIsLogged(_ side: String) async throws {
        // .invalid never resolves (RFC 6761).
        let node = side == "sender"
            ? "cam: {kind: test.indexed, count: 100000, framerate: 20}\n  tx: {kind: netgear.send, input: cam, pattern: 2, address: origin.invalid, port: 5454}"
            : "tx: {kind: netgear.receive, pattern: 2, connect: 'tcp://origin.invalid:5454'}\n  sink: {kind: frame.discard, input: tx}"
        let graph = try LoggedGraph("nodes:\n  \(node)\n", level: .info)
        let logged = await eventually(timeout: 30) {
            graph.logs.all.contains { $0.hasPrefix("warning [tx]") && $0.contains("cannot resolve 'origin.invalid'") && $0.contains("tcp://origin.invalid:5454") }
        }
        #expect(logged, "\(graph.logs.all)")
        // And it keeps trying, as connects do, without ending the node.
        #expect(await eventually(timeout: 30) { graph.extra("tx", "resolve_failures") >= 2 }, "\(graph.logs.all)")
        #expect(!graph.runtime.isFinished && graph.runtime.failures.isEmpty)
        await graph.stop()
    }

    @Test func bindingANameThatIsNotOursSaysSo() throws {
        #expect {
            _ = try LoggedGraph("nodes:\n  rx: {kind: netgear.receive, address: origin.invalid, port: \(uniquePort())}\n  sink: {kind: frame.discard, input: rx}\n")
        } throws: { error in
            "\(error)".contains("origin.invalid") && "\(error)".contains("not an IP address or network interface of this machine")
        }
    }
}
