internal import CGStreamer
internal import CGStreamerShims

extension Element {
    /// Calls `handler` with each sink a splitmuxsink creates ("sink-added"): with
    /// `async-finalize`, one new sink per fragment, before any data reaches it.
    ///
    /// `handler` runs on a GStreamer streaming thread while splitmuxsink holds its lock: it
    /// must be quick and must not call back into splitmuxsink.
    ///
    /// - Throws: `.wrongElementType` if the element has no such signal.
    @discardableResult
    public func connectSinkAdded(_ handler: @escaping @Sendable (Element) -> Void) throws -> SignalHandlerID {
        try connectElementSignal("sink-added", handler)
    }

    private func connectElementSignal(_ name: String, _ handler: @escaping @Sendable (Element) -> Void) throws -> SignalHandlerID {
        // The box's +1 retain belongs to the C closure; the shim releases it exactly once.
        let box = Unmanaged.passRetained(ElementSignalHandler(handler)).toOpaque()
        let id = CGStreamerShims_connect_element_signal(handle, name, { userData, element in
            guard let userData else { return }
            Unmanaged<ElementSignalHandler>.fromOpaque(userData).takeUnretainedValue().body(Element(retaining: element))
        }, box, { userData in
            guard let userData else { return }
            Unmanaged<ElementSignalHandler>.fromOpaque(userData).release()
        })
        guard id != 0 else {
            throw GStreamerError(code: .wrongElementType, message: "\(displayName) has no '\(name)' signal that hands over an element")
        }
        return SignalHandlerID(rawValue: UInt(id))
    }
}

private final class ElementSignalHandler: Sendable {
    let body: @Sendable (Element) -> Void

    init(_ body: @escaping @Sendable (Element) -> Void) {
        self.body = body
    }
}

extension Element {
    /// Emits an action signal without arguments, e.g. splitmuxsink's "split-now" (start a new
    /// file at the next keyframe). Safe from any thread.
    ///
    /// - Throws: `.wrongElementType` if the element has no such action.
    public func emitAction(_ name: String) throws {
        guard CGStreamerShims_emit_action(handle, name) != 0 else {
            throw GStreamerError(code: .wrongElementType, message: "\(displayName) has no action signal '\(name)' without arguments")
        }
    }
}
