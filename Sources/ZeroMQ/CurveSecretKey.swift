internal import CZeroMQ

/// A CURVE secret key, kept in guarded memory and wiped when freed.
///
/// The key never appears in `description`, `debugDescription`, `dump` or error messages:
/// they show `<secret key for FINGERPRINT>`, the fingerprint of the matching public key.
/// The only ways to the bytes are ``withUnsafeBytes(_:)`` and ``unsafeZ85ForWriting()``.
public final class CurveSecretKey: @unchecked Sendable {
    // Safe to share: the 32 bytes are written once, in init, and only read afterwards (the
    // guarded page is made read-only); deinit runs once and wipes them.
    private let storage: UnsafeMutableRawPointer
    private let isGuarded: Bool

    /// The public key that belongs to this secret key.
    public let publicKey: CurveKey

    /// Copies a secret key from its 32 bytes; nil for any other count.
    public convenience init?(bytes: UnsafeRawBufferPointer) {
        guard bytes.count == CurveKey.byteCount, let source = bytes.baseAddress else { return nil }
        self.init(filling: { $0.copyMemory(from: source, byteCount: CurveKey.byteCount); return true })
    }

    /// Copies a secret key from its 32 bytes; nil for any other count.
    public convenience init?(bytes: [UInt8]) {
        guard let key = bytes.withUnsafeBytes({ CurveSecretKey(bytes: $0) }) else { return nil }
        self.init(copying: key)
    }

    /// Decodes a secret key from its 40-character Z85 text; nil if the text is not exactly that.
    public convenience init?(z85: String) {
        guard z85.utf8.count == CurveKey.z85Count else { return nil }
        self.init(filling: { Z85.decode(z85, into: UnsafeMutableRawBufferPointer(start: $0, count: CurveKey.byteCount)) })
    }

    /// Decodes Z85 text given as bytes (from a certificate file), so that the secret never
    /// passes through a String, which could not be wiped.
    internal convenience init?(z85Bytes text: ArraySlice<UInt8>) {
        guard text.count == CurveKey.z85Count, !text.contains(0) else { return nil }
        var cString = [CChar](repeating: 0, count: CurveKey.z85Count + 1)
        defer { cString.withUnsafeMutableBytes { Sodium.wipe($0) } }
        for (offset, byte) in text.enumerated() { cString[offset] = CChar(bitPattern: byte) }
        self.init(filling: { storage in
            let decoded = cString.withUnsafeBufferPointer {
                zmq_z85_decode(storage.assumingMemoryBound(to: UInt8.self), $0.baseAddress)
            }
            return decoded != nil
        })
    }

    private convenience init(copying other: CurveSecretKey) {
        self.init(filling: { destination in
            other.withUnsafeBytes { destination.copyMemory(from: $0.baseAddress!, byteCount: CurveKey.byteCount) }
            return true
        })!
    }

    /// Allocates the storage, lets `fill` write the 32 bytes, and derives the public key.
    private init?(filling fill: (UnsafeMutableRawPointer) -> Bool) {
        let guarded = Sodium.allocateGuarded(CurveKey.byteCount)
        let storage = guarded ?? UnsafeMutableRawPointer.allocate(byteCount: CurveKey.byteCount, alignment: 16)
        let buffer = UnsafeMutableRawBufferPointer(start: storage, count: CurveKey.byteCount)
        Sodium.wipe(buffer)
        guard fill(storage), let publicKey = Self.derivePublicKey(UnsafeRawBufferPointer(buffer)) else {
            Self.release(storage, guarded: guarded != nil)
            return nil
        }
        if guarded != nil { Sodium.makeReadOnly(storage) }
        self.storage = storage
        self.isGuarded = guarded != nil
        self.publicKey = publicKey
    }

    deinit {
        Self.release(storage, guarded: isGuarded)
    }

    private static func release(_ storage: UnsafeMutableRawPointer, guarded: Bool) {
        if guarded {
            Sodium.freeGuarded(storage)
        } else {
            Sodium.wipe(UnsafeMutableRawBufferPointer(start: storage, count: CurveKey.byteCount))
            storage.deallocate()
        }
    }

    /// Computes the public key with libzmq, which works on Z85 text; the text copies of the
    /// secret are wiped before returning.
    /// The corresponding C function is `zmq_curve_public`.
    private static func derivePublicKey(_ secret: UnsafeRawBufferPointer) -> CurveKey? {
        var secretText = [CChar](repeating: 0, count: CurveKey.z85Count + 1)
        var publicText = [CChar](repeating: 0, count: CurveKey.z85Count + 1)
        defer { secretText.withUnsafeMutableBytes { Sodium.wipe($0) } }
        let encoded = secretText.withUnsafeMutableBufferPointer { text in
            zmq_z85_encode(text.baseAddress, secret.baseAddress?.assumingMemoryBound(to: UInt8.self), secret.count)
        }
        guard encoded != nil else { return nil }
        let rc = publicText.withUnsafeMutableBufferPointer { publicBuffer in
            secretText.withUnsafeBufferPointer { zmq_curve_public(publicBuffer.baseAddress, $0.baseAddress) }
        }
        guard rc == 0 else { return nil }
        let z85 = String(decoding: publicText.prefix(CurveKey.z85Count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return CurveKey(z85: z85)
    }

    /// Calls `body` with the 32 secret bytes. Do not copy them out of the closure.
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try withExtendedLifetime(self) {
            try body(UnsafeRawBufferPointer(start: storage, count: CurveKey.byteCount))
        }
    }

    /// The secret as 40 characters of Z85, for writing a secret certificate file. The
    /// returned String cannot be wiped, so call this only to write the key somewhere safe.
    public func unsafeZ85ForWriting() -> String {
        withUnsafeBytes { Z85.encode($0)! }
    }

    /// Compares in time that does not depend on where the keys differ.
    /// The corresponding C function is `sodium_memcmp`.
    public func constantTimeEquals(_ other: CurveSecretKey) -> Bool {
        withUnsafeBytes { lhs in other.withUnsafeBytes { rhs in Sodium.constantTimeEqual(lhs, rhs) } }
    }
}

extension CurveSecretKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "<secret key for \(publicKey.fingerprint)>" }
    public var debugDescription: String { description }
    /// Empty, so that `dump` and debuggers show nothing of the storage.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .class) }
}
