import Crypto
import Foundation

/// The STREAM layer of age: 64 KiB chunks of ChaCha20-Poly1305 under a key derived from the
/// file key and a per-file nonce, each chunk's nonce an 11-byte big-endian counter and a byte
/// that is 1 only for the last chunk.
enum Payload {
    static let chunkSize = 64 * 1024
    static let tagSize = 16
    static let sealedChunkSize = chunkSize + tagSize
    static let nonceSize = 16
    static let fileKeySize = 16

    static func key(fileKey: SymmetricKey, nonce: [UInt8]) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: fileKey, salt: nonce, info: Array("payload".utf8), outputByteCount: 32)
    }

    static func chunkNonce(_ counter: UInt64, last: Bool) -> ChaChaPoly.Nonce {
        var bytes = [UInt8](repeating: 0, count: 12)
        // 2^64 chunks of 64 KiB is beyond any file; the top three counter bytes stay zero.
        for i in 0..<8 { bytes[10 - i] = UInt8(truncatingIfNeeded: counter >> (8 * UInt64(i))) }
        bytes[11] = last ? 1 : 0
        return try! ChaChaPoly.Nonce(data: bytes)
    }

    /// The sealed chunk: ciphertext then tag.
    static func seal(_ plaintext: some DataProtocol, key: SymmetricKey, counter: UInt64, last: Bool) throws -> Data {
        let box = try ChaChaPoly.seal(plaintext, using: key, nonce: chunkNonce(counter, last: last))
        // `combined` is nonce, ciphertext, tag in one buffer; the nonce is implicit in age.
        return box.combined.dropFirst(12)
    }

    /// The plaintext of a sealed chunk, or nil when it does not authenticate as that chunk.
    static func open(_ sealed: [UInt8], key: SymmetricKey, counter: UInt64, last: Bool) -> [UInt8]? {
        guard sealed.count >= tagSize,
              let box = try? ChaChaPoly.SealedBox(nonce: chunkNonce(counter, last: last),
                                                  ciphertext: sealed.dropLast(tagSize), tag: sealed.suffix(tagSize)),
              let plain = try? ChaChaPoly.open(box, using: key) else { return nil }
        return Array(plain)
    }
}
