import Crypto
import Foundation

/// An age X25519 identity: the secret key `AGE-SECRET-KEY-1…` in the file `age-keygen` writes.
/// Its description never shows the secret, only the public recipient.
public struct X25519Identity: Sendable, CustomStringConvertible {
    public let privateKey: Curve25519.KeyAgreement.PrivateKey

    static let hrp = "age-secret-key-"

    public init(privateKey: Curve25519.KeyAgreement.PrivateKey) {
        self.privateKey = privateKey
    }

    /// A new random identity.
    public static func generate() -> X25519Identity { X25519Identity(privateKey: .init()) }

    /// Parses `AGE-SECRET-KEY-1…` (upper case, as age writes it).
    public init(_ text: String) throws(AgeKeyError) {
        let text = text.trimmingCharacters(in: .whitespaces)
        let decoded: (hrp: String, data: [UInt8])
        do {
            decoded = try Bech32.decode(text)
        } catch {
            throw .malformedIdentity(error.description)
        }
        guard decoded.hrp == Self.hrp else { throw .malformedIdentity("it must start with AGE-SECRET-KEY-1") }
        guard text == text.uppercased() else { throw .malformedIdentity("identities are written in upper case") }
        guard decoded.data.count == 32, let key = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: decoded.data) else {
            throw .malformedIdentity("it holds \(decoded.data.count) bytes, an X25519 key has 32")
        }
        privateKey = key
    }

    public var recipient: X25519Recipient { X25519Recipient(publicKey: privateKey.publicKey) }

    /// The secret in age's own encoding, for writing an identity file. Handle with care.
    public var secretKeyText: String {
        Bech32.encode(hrp: Self.hrp, data: Array(privateKey.rawRepresentation)).uppercased()
    }

    public var description: String { "identity for \(recipient.fingerprint)" }
}
