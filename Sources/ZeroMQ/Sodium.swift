internal import CSodium

/// libsodium calls used for keys: fingerprints, constant-time comparison, guarded memory.
internal enum Sodium {
    /// sodium_init must run once before other libsodium calls; a global `let` runs it once,
    /// thread-safely, on first use.
    private static let initialized: Bool = sodium_init() >= 0

    static func ensureInitialized() {
        precondition(initialized, "libsodium failed to initialise")
    }

    /// BLAKE2b with a 32-byte digest. The corresponding C function is `crypto_generichash`.
    static func blake2b256(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        ensureInitialized()
        return [UInt8](unsafeUninitializedCapacity: 32) { digest, count in
            let rc = crypto_generichash(digest.baseAddress!, 32,
                                        bytes.baseAddress?.assumingMemoryBound(to: UInt8.self),
                                        UInt64(bytes.count), nil, 0)
            precondition(rc == 0, "crypto_generichash failed")
            count = 32
        }
    }

    /// Compares in time independent of where the buffers differ.
    /// The corresponding C function is `sodium_memcmp`.
    static func constantTimeEqual(_ lhs: UnsafeRawBufferPointer, _ rhs: UnsafeRawBufferPointer) -> Bool {
        guard lhs.count == rhs.count else { return false }
        guard lhs.count > 0, let left = lhs.baseAddress, let right = rhs.baseAddress else { return true }
        ensureInitialized()
        return sodium_memcmp(left, right, lhs.count) == 0
    }

    /// Overwrites memory in a way the optimiser cannot remove.
    /// The corresponding C function is `sodium_memzero`.
    static func wipe(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        sodium_memzero(base, buffer.count)
    }

    /// Guarded memory for secrets: surrounded by inaccessible pages, locked out of swap where
    /// the system allows, and wiped when freed. Nil if the system refuses.
    /// The corresponding C function is `sodium_malloc`.
    static func allocateGuarded(_ count: Int) -> UnsafeMutableRawPointer? {
        ensureInitialized()
        return sodium_malloc(count)
    }

    /// The corresponding C function is `sodium_mprotect_readonly`.
    static func makeReadOnly(_ pointer: UnsafeMutableRawPointer) {
        _ = sodium_mprotect_readonly(pointer)
    }

    /// Wipes and frees memory from ``allocateGuarded(_:)``. The corresponding C function is
    /// `sodium_free`.
    static func freeGuarded(_ pointer: UnsafeMutableRawPointer) {
        sodium_free(pointer)
    }
}
