import NIOCore

/// Tells a streaming response (MJPEG, server-sent events) that its client went away. With
/// half-closure allowed, as Hummingbird sets it, a client's FIN only raises `inputClosed` and
/// nothing else reads the connection while a response streams out, so without this handler a
/// stream would go on until a write failed, possibly never when no frame comes.
final class ConnectionWatch: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private var promise: EventLoopPromise<Void>?

    /// Completes when the peer closed its side or the connection ended.
    private(set) var gone: EventLoopFuture<Void>?

    func handlerAdded(context: ChannelHandlerContext) {
        let p = context.eventLoop.makePromise(of: Void.self)
        promise = p
        gone = p.futureResult
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        promise?.succeed()
        promise = nil
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            promise?.succeed()
            promise = nil
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise?.succeed()
        promise = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise?.succeed()
        promise = nil
        context.fireErrorCaught(error)
    }

    /// The future of the connection's watch, or nil when the handler is missing.
    static func gone(on channel: any Channel) async -> EventLoopFuture<Void>? {
        let found = try? await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.handler(type: ConnectionWatch.self).gone
        }.get()
        return found ?? nil
    }
}

/// Waits until `future` completes (or the task is cancelled).
func wait(for future: EventLoopFuture<Void>) async {
    try? await future.get()
}
