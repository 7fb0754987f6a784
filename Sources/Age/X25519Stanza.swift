import Crypto
import Foundation

/// The X25519 recipient type: the file key wrapped under a key agreed between a fresh
/// ephemeral key and the recipient's public key.
enum X25519Stanza {
    static let type = "X25519"
    static let info = Array("age-encryption.org/v1/X25519".utf8)

    /// A zero nonce is safe: every wrap key is used once, for one file key.
    static func zeroNonce() -> ChaChaPoly.Nonce {
        // 12 bytes is the only length the initializer refuses nothing for.
        try! ChaChaPoly.Nonce(data: [UInt8](repeating: 0, count: 12))
    }

    static func wrapKey(shared: SharedSecret, share: [UInt8], recipient: [UInt8]) -> SymmetricKey {
        shared.hkdfDerivedSymmetricKey(using: SHA256.self, salt: share + recipient, sharedInfo: info, outputByteCount: 32)
    }

    /// Wraps `fileKey` for `recipient`.
    static func wrap(_ fileKey: SymmetricKey, for recipient: X25519Recipient) throws -> Stanza {
        let ephemeral = Curve25519.KeyAgreement.PrivateKey()
        let share = Array(ephemeral.publicKey.rawRepresentation)
        let shared = try ephemeral.sharedSecretFromKeyAgreement(with: recipient.publicKey)
        let key = wrapKey(shared: shared, share: share, recipient: Array(recipient.publicKey.rawRepresentation))
        let sealed = try ChaChaPoly.seal(fileKey.withUnsafeBytes { Array($0) }, using: key, nonce: zeroNonce())
        return Stanza(type: type, arguments: [Base64.encode(share)], body: Array(sealed.ciphertext) + Array(sealed.tag))
    }

    /// The file key, if `stanza` is for `identity`; nil when it is for someone else. A stanza
    /// that breaks the X25519 rules is a malformed header.
    static func unwrap(_ stanza: Stanza, with identity: X25519Identity) throws(AgeFormatError) -> SymmetricKey? {
        guard stanza.arguments.count == 1 else { throw .malformedHeader("an X25519 stanza must have exactly one argument") }
        guard let share = Base64.decode(Array(stanza.arguments[0].utf8)), share.count == 32 else {
            throw .malformedHeader("an X25519 stanza's share must be 32 bytes of canonical base64")
        }
        guard stanza.body.count == 32 else { throw .malformedHeader("an X25519 stanza's body must be 32 bytes") }
        guard let peer = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: share) else {
            throw .malformedHeader("an X25519 stanza's share is not a key")
        }
        // The library refuses an all-zero shared secret (a low-order share), as age requires.
        guard let shared = try? identity.privateKey.sharedSecretFromKeyAgreement(with: peer) else {
            throw .malformedHeader("an X25519 stanza's share is a low-order point")
        }
        let isZero = shared.withUnsafeBytes { $0.allSatisfy { $0 == 0 } }
        if isZero { throw .malformedHeader("an X25519 stanza's share is a low-order point") }
        let key = wrapKey(shared: shared, share: share, recipient: Array(identity.privateKey.publicKey.rawRepresentation))
        guard let box = try? ChaChaPoly.SealedBox(nonce: zeroNonce(), ciphertext: stanza.body.prefix(16), tag: stanza.body.suffix(16)),
              let fileKey = try? ChaChaPoly.open(box, using: key) else { return nil }
        return SymmetricKey(data: fileKey)
    }
}
