extension UnsafeMutablePointer {
    /// Views a GObject instance as one of its parent or child C structs. GObject lays out
    /// subclasses with the parent struct first, so the address is the same object.
    func cast<Other>(to _: Other.Type = Other.self) -> UnsafeMutablePointer<Other> {
        UnsafeMutableRawPointer(self).assumingMemoryBound(to: Other.self)
    }
}
