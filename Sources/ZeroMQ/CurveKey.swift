/// A CURVE public key: 32 bytes, usually exchanged as 40 characters of Z85.
///
/// Public keys are not secret, so `==` and hashing are ordinary; use
/// ``constantTimeEquals(_:)`` where timing must not reveal how much of a key matched
/// (allow-list checks).
public struct CurveKey: Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The size of a CURVE key in bytes.
    public static let byteCount = 32
    /// The length of a CURVE key in Z85 characters.
    public static let z85Count = 40

    /// The 32 key bytes.
    public let bytes: [UInt8]

    /// A key from its 32 bytes; nil for any other count.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = bytes
    }

    /// A key from its 32 bytes; nil for any other count.
    public init?(bytes: UnsafeRawBufferPointer) {
        self.init(bytes: Array(bytes))
    }

    /// A key from its 40-character Z85 text; nil if the text is not exactly that.
    public init?(z85: String) {
        guard z85.utf8.count == Self.z85Count, let bytes = Z85.decode(z85) else { return nil }
        self.bytes = bytes
    }

    /// The 40-character Z85 text, as written in certificate files and given to pyzmq.
    public var z85: String {
        // 32 is a multiple of 4, so encoding cannot fail.
        Z85.encode(bytes)!
    }

    /// A short, stable name for the key: the first 8 bytes of BLAKE2b-256 of the key bytes,
    /// as four groups of four lowercase hex digits, e.g. `3f9a:12bc:77e0:a5d1`. Meant for
    /// logs and admin listings; two keys with the same fingerprint are practically never
    /// different, but compare keys, not fingerprints, for access decisions.
    public var fingerprint: String {
        let digest = bytes.withUnsafeBytes { Sodium.blake2b256($0) }
        let hex = digest.prefix(8).map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }
        return stride(from: 0, to: 8, by: 2).map { hex[$0] + hex[$0 + 1] }.joined(separator: ":")
    }

    /// Compares in time that does not depend on where the keys differ.
    /// The corresponding C function is `sodium_memcmp`.
    public func constantTimeEquals(_ other: CurveKey) -> Bool {
        bytes.withUnsafeBytes { lhs in other.bytes.withUnsafeBytes { rhs in Sodium.constantTimeEqual(lhs, rhs) } }
    }

    /// The Z85 text.
    public var description: String { z85 }

    public var debugDescription: String { "CurveKey(\(z85), fingerprint \(fingerprint))" }
}
