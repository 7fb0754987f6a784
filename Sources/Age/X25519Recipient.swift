import Crypto
import Foundation

/// An age X25519 recipient: the public key `age1…` that `age-keygen` prints. Files encrypted to
/// it can only be read with the matching identity.
public struct X25519Recipient: Sendable, Hashable, CustomStringConvertible {
    public let publicKey: Curve25519.KeyAgreement.PublicKey

    static let hrp = "age"

    public init(publicKey: Curve25519.KeyAgreement.PublicKey) {
        self.publicKey = publicKey
    }

    /// Parses `age1…`. An identity given here is refused with `.identityGivenAsRecipient`.
    public init(_ text: String) throws(AgeKeyError) {
        let text = text.trimmingCharacters(in: .whitespaces)
        if text.uppercased().hasPrefix("AGE-SECRET-KEY-") {
            // Say which public key belongs here, without ever repeating the secret.
            if let identity = try? X25519Identity(text) { throw .identityGivenAsRecipient(recipient: identity.recipient.description) }
            throw .identityGivenAsRecipient(recipient: "(its public key: run age-keygen -y on the identity file)")
        }
        if text.hasPrefix("ssh-") { throw .unsupportedRecipient("SSH keys are not supported; use an X25519 recipient from age-keygen") }
        let decoded: (hrp: String, data: [UInt8])
        do {
            decoded = try Bech32.decode(text)
        } catch {
            throw .malformedRecipient(error.description)
        }
        if text != text.lowercased() { throw .malformedRecipient("recipients are written in lower case") }
        guard decoded.hrp == Self.hrp else {
            if decoded.hrp == "age1pq" {
                throw .unsupportedRecipient("post-quantum (hybrid) recipients are not supported; use an X25519 recipient from age-keygen")
            }
            if decoded.hrp.hasPrefix("age1") { throw .unsupportedRecipient("age plugin recipients (\(decoded.hrp)…) are not supported") }
            throw .malformedRecipient("it must start with age1")
        }
        guard decoded.data.count == 32, let key = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: decoded.data) else {
            throw .malformedRecipient("it holds \(decoded.data.count) bytes, an X25519 key has 32")
        }
        publicKey = key
    }

    public var description: String { Bech32.encode(hrp: Self.hrp, data: Array(publicKey.rawRepresentation)) }

    /// A short form for logs: `age1abcd…wxyz`.
    public var fingerprint: String {
        let full = description
        return String(full.prefix(10)) + "…" + String(full.suffix(6))
    }

    public static func == (a: Self, b: Self) -> Bool { a.publicKey.rawRepresentation == b.publicKey.rawRepresentation }
    public func hash(into hasher: inout Hasher) { hasher.combine(publicKey.rawRepresentation) }
}
