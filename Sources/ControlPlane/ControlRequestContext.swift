import Hummingbird
import NIOCore

/// The request context of the control plane: Hummingbird's core context plus the role the
/// request's token grants and the connection it came on (for noticing a viewer that left).
public struct ControlRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AuthMiddleware`; nil before it runs.
    public var role: ControlRole?
    /// True when the token came only from the cookie (a browser).
    public var authenticatedByCookie = false
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// Request bodies (a graph file) are at most this large.
    public var maxUploadSize: Int { ControlPlane.maxBodySize }
}
