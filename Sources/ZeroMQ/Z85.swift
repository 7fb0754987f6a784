internal import CZeroMQ

/// Z85, ZeroMQ's text encoding of binary data (RFC 32): 5 printable characters for every
/// 4 bytes. CURVE keys are 32 bytes, so 40 characters.
public enum Z85 {
    /// Encodes `bytes`, whose count must be a multiple of 4; nil otherwise.
    ///
    /// The corresponding C function is `zmq_z85_encode`.
    public static func encode(_ bytes: UnsafeRawBufferPointer) -> String? {
        guard bytes.count % 4 == 0 else { return nil }
        guard bytes.count > 0 else { return "" }
        let capacity = bytes.count / 4 * 5 + 1
        var text = [CChar](repeating: 0, count: capacity)
        let result = text.withUnsafeMutableBufferPointer { buffer in
            zmq_z85_encode(buffer.baseAddress, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count)
        }
        guard result != nil else { return nil }
        return String(decoding: text.prefix(capacity - 1).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Encodes `bytes`, whose count must be a multiple of 4; nil otherwise.
    public static func encode(_ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBytes { encode($0) }
    }

    /// Decodes Z85 text, whose length must be a multiple of 5 and whose characters must all
    /// be in the Z85 alphabet; nil otherwise.
    ///
    /// The corresponding C function is `zmq_z85_decode`.
    public static func decode(_ text: String) -> [UInt8]? {
        guard let count = decodedCount(text) else { return nil }
        guard count > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        let ok = bytes.withUnsafeMutableBytes { decode(text, into: $0) }
        return ok ? bytes : nil
    }

    /// The decoded size of `text`, or nil when its length is not a multiple of 5 or it holds
    /// bytes zmq_z85_decode cannot see (NUL ends a C string early).
    internal static func decodedCount(_ text: String) -> Int? {
        let utf8 = text.utf8
        guard utf8.count % 5 == 0, !utf8.contains(0) else { return nil }
        return utf8.count / 5 * 4
    }

    /// Encodes into caller-owned memory (used for secrets, which must not pass through a
    /// String); `text` must hold `bytes.count / 4 * 5 + 1` characters.
    internal static func encodeRaw(_ bytes: UnsafeRawBufferPointer, into text: UnsafeMutableBufferPointer<CChar>) -> Bool {
        guard bytes.count % 4 == 0, text.count >= bytes.count / 4 * 5 + 1 else { return false }
        return zmq_z85_encode(text.baseAddress, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count) != nil
    }

    /// Decodes into caller-owned memory (used for secrets, which must not pass through an
    /// Array). On failure the buffer is wiped.
    internal static func decode(_ text: String, into buffer: UnsafeMutableRawBufferPointer) -> Bool {
        guard decodedCount(text) == buffer.count, let base = buffer.baseAddress else { return false }
        let result = zmq_z85_decode(base.assumingMemoryBound(to: UInt8.self), text)
        if result == nil {
            Sodium.wipe(buffer)
            return false
        }
        return true
    }
}
