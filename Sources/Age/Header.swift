import Crypto
import Foundation

/// The text header of an age v1 file: the version line, the recipient stanzas and the MAC
/// that binds them to the file key.
public struct Header: Sendable {
    static let versionLine = "age-encryption.org/v1"
    static let columns = 64
    /// No line of a header we accept is longer (stanza lines are short; bodies 64 columns).
    static let lineLimit = 4096

    public var stanzas: [Stanza]
    public var mac: [UInt8]
    /// The header's bytes up to and including `---`: what the MAC covers.
    var macInput: [UInt8]

    /// HMAC-SHA-256 of the header under a key derived from the file key.
    static func mac(over bytes: [UInt8], fileKey: SymmetricKey) -> [UInt8] {
        let key = HKDF<SHA256>.deriveKey(inputKeyMaterial: fileKey, salt: [UInt8](), info: Array("header".utf8), outputByteCount: 32)
        return Array(HMAC<SHA256>.authenticationCode(for: bytes, using: key))
    }

    /// The header for `stanzas`, MAC included, as bytes to write.
    static func encode(stanzas: [Stanza], fileKey: SymmetricKey) -> [UInt8] {
        var bytes = Array((versionLine + "\n").utf8)
        for stanza in stanzas { bytes += stanza.encoded }
        bytes += Array("---".utf8)
        let mac = mac(over: bytes, fileKey: fileKey)
        bytes += Array((" " + Base64.encode(mac) + "\n").utf8)
        return bytes
    }

    /// Reads and parses a header, strictly as the specification writes it.
    static func parse(_ input: ByteInput) throws(AgeFormatError) -> Header {
        var consumed: [UInt8] = []
        func line() throws(AgeFormatError) -> [UInt8] {
            guard let line = try input.readLine(limit: lineLimit) else {
                if consumed.isEmpty, !(try input.hasMore()) { throw AgeFormatError.malformedHeader("the file is empty") }
                throw AgeFormatError.truncatedHeader
            }
            consumed += line + [0x0A]
            return line
        }
        let version = try line()
        guard version == Array(versionLine.utf8) else {
            if version.starts(with: Array("age-encryption.org/".utf8)) { throw .malformedHeader("unsupported age version") }
            throw .malformedHeader("it does not start with \(versionLine)")
        }
        var stanzas: [Stanza] = []
        var next = try line()
        while true {
            if next.starts(with: Array("---".utf8)) {
                let macInput = consumed.dropLast(next.count + 1) + Array("---".utf8)
                guard next.count > 4, next[3] == 0x20, let mac = Base64.decode(next[4...]), mac.count == 32 else {
                    throw .malformedHeader("the MAC line is malformed")
                }
                return Header(stanzas: stanzas, mac: mac, macInput: Array(macInput))
            }
            guard next.starts(with: Array("-> ".utf8)) else { throw .malformedHeader("expected a stanza (->) or the MAC line (---)") }
            let arguments = next[3...].split(separator: 0x20, omittingEmptySubsequences: false)
            for argument in arguments {
                guard !argument.isEmpty else { throw .malformedHeader("a stanza has an empty argument") }
                guard argument.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
                    throw .malformedHeader("a stanza argument has a character that is not printable ASCII")
                }
            }
            var body: [UInt8] = []
            while true {
                let bodyLine = try line()
                guard bodyLine.count <= columns, let decoded = Base64.decode(bodyLine) else {
                    throw .malformedHeader("a stanza body line is not canonical base64 of at most 64 columns")
                }
                body += decoded
                if bodyLine.count < columns { break }
            }
            stanzas.append(Stanza(type: String(decoding: arguments[0], as: UTF8.self),
                                  arguments: arguments.dropFirst().map { String(decoding: $0, as: UTF8.self) }, body: body))
            next = try line()
        }
    }

    /// Whether the MAC matches under `fileKey` (compared in constant time by HMAC's API).
    func verifies(with fileKey: SymmetricKey) -> Bool {
        let key = HKDF<SHA256>.deriveKey(inputKeyMaterial: fileKey, salt: [UInt8](), info: Array("header".utf8), outputByteCount: 32)
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: macInput, using: key)
    }
}
