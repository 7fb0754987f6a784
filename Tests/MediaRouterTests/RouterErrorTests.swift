import MediaRouter
import Testing

/// Stands for a library's error (ZMQError, GStreamerError): a kind plus its own text.
private struct LibraryError: Error, Equatable, CustomStringConvertible {
    var kind: String
    var description: String { "zmq_bind: Address already in use (errno 98)" }
}

@Suite("RouterError cause")
struct RouterErrorTests {
    @Test("without a cause the description is the message, as before")
    func noCause() {
        let e = RouterError(.io, "disk full")
        #expect(e.description == "disk full")
        #expect("\(e)" == "disk full")
        #expect(e.cause == nil)
        #expect(!e.isPermanent)
    }

    @Test("with a cause the description reads message, then ': cause', as sites used to write it")
    func withCause() {
        let cause = LibraryError(kind: "addressInUse")
        let e = RouterError(.startFailed, "cannot bind tcp://*:5555", cause: cause)
        #expect(e.description == "cannot bind tcp://*:5555: \(cause)")
        #expect(e.description == "cannot bind tcp://*:5555: zmq_bind: Address already in use (errno 98)")
        #expect(e.message == "cannot bind tcp://*:5555")
    }

    @Test("the cause is kept whole, so its kind can be read back")
    func causeKept() {
        let e = RouterError(.startFailed, "cannot bind", cause: LibraryError(kind: "addressInUse"))
        #expect((e.cause as? LibraryError)?.kind == "addressInUse")
        let thrown: any Error = e
        #expect(((thrown as? RouterError)?.cause as? LibraryError) == LibraryError(kind: "addressInUse"))
    }

    @Test("a cause that says everything: the description is the cause's own text")
    func causeOnly() {
        let cause = LibraryError(kind: "x")
        let e = RouterError(.security, cause: cause)
        #expect(e.description == cause.description)
        #expect(e.message.isEmpty)
    }

    @Test("causes chain: a RouterError as the cause of another")
    func chained() {
        let inner = RouterError(.io, "cannot open /x", cause: LibraryError(kind: "k"))
        let outer = RouterError(.startFailed, "node 'rec' (gst.record) failed to start", cause: inner)
        #expect(outer.description == "node 'rec' (gst.record) failed to start: cannot open /x: zmq_bind: Address already in use (errno 98)")
        #expect(((outer.cause as? RouterError)?.cause as? LibraryError)?.kind == "k")
    }

    @Test("the permanent flag is kept beside a cause and still limits restarts")
    func permanent() {
        let e = RouterError(.startFailed, "cannot write recordings to /ro", cause: LibraryError(kind: "k"), permanent: true)
        #expect(e.isPermanent)
        #expect(RouterError(.io, cause: LibraryError(kind: "k"), permanent: true).isPermanent)
        let policy = RestartPolicy(mode: .onFailure)
        #expect(policy.restartLimit(after: e) == RestartPolicy.permanentFailureRestarts)
        #expect(policy.restartLimit(after: RouterError(.io, "x", cause: LibraryError(kind: "k"))) == nil)
    }

    @Test("equality compares code, message, permanence and the cause's text")
    func equality() {
        let a = RouterError(.io, "read failed", cause: LibraryError(kind: "a"))
        #expect(a == RouterError(.io, "read failed", cause: LibraryError(kind: "b")))  // same text
        #expect(a != RouterError(.io, "read failed"))
        #expect(a != RouterError(.nodeFailed, "read failed", cause: LibraryError(kind: "a")))
        #expect(a != RouterError(.io, "write failed", cause: LibraryError(kind: "a")))
        #expect(a != RouterError(.io, "read failed", cause: LibraryError(kind: "a"), permanent: true))
        #expect(RouterError(.io, "x") == RouterError(.io, "x"))
    }
}
