internal import CGStreamer

extension GStreamerError {
    /// The one place a GError becomes a Swift error. Every C call that reports failure through
    /// `GError **` funnels it here, so each GError is read and freed exactly once.
    ///
    /// A nil `error` still yields an error: some C functions return failure without filling
    /// in the GError, and the caller has already decided the call failed.
    init(consuming error: UnsafeMutablePointer<GError>?, code: Code, context: String,
         missingElements: [String] = []) {
        let detail = GStreamerError.consumeMessage(of: error)
        self.init(code: code, message: detail.map { "\(context): \($0)" } ?? context,
                  missingElements: missingElements)
    }

    /// Reads a GError's message and frees the GError. Bus messages use this directly: their
    /// GError is a report to pass on, not a failure of the call that read it.
    static func consumeMessage(of error: UnsafeMutablePointer<GError>?) -> String? {
        guard let error else { return nil }
        defer { g_error_free(error) }
        return error.pointee.message.map { String(cString: $0) }
    }
}
