import Crypto
import Foundation

/// How far the payload of an age file authenticates.
public enum PayloadOutcome: Sendable, Equatable {
    /// Every chunk authenticates and the last one is marked last: the file is whole.
    case complete(chunks: Int)
    /// All `chunks` chunks authenticate, but the file ends before its last chunk: it was cut
    /// short (a crash while recording, or a copy that stopped).
    case truncated(chunks: Int)
    /// Chunk `chunk` (0-based; the chunks before it authenticate) does not: the file was
    /// altered there. `partial` when that chunk is also shorter than a full one, so it may as
    /// well have been cut short while being written.
    case damaged(chunk: Int, partial: Bool)
    /// Data follows the chunk marked last.
    case trailingData(chunks: Int)

    /// The chunks whose plaintext was released.
    public var authenticatedChunks: Int {
        switch self {
        case .complete(let n), .truncated(let n), .trailingData(let n): return n
        case .damaged(let chunk, _): return chunk
        }
    }

    public var isComplete: Bool { if case .complete = self { return true } else { return false } }
}

/// Decrypts an age file chunk by chunk. Opening checks the header (stanzas, MAC) and reads the
/// payload nonce; `decrypt` then hands over the plaintext of each chunk that authenticates, in
/// order, and stops at the first one that does not.
///
/// Unlike `age -d`, which releases nothing of a file that lacks its last chunk, this also
/// releases the authenticated chunks of a truncated file (each chunk's tag and position are
/// checked, so nothing altered or reordered gets through): that is what recovers a recording
/// cut by a crash.
public final class AgeReader {
    public let header: Header
    private let input: ByteInput
    private let payloadKey: SymmetricKey

    public init(input: ByteInput, identities: [X25519Identity]) throws(AgeFormatError) {
        self.input = input
        header = try Header.parse(input)
        var fileKey: SymmetricKey?
        for stanza in header.stanzas where stanza.type == X25519Stanza.type {
            for identity in identities {
                if let key = try X25519Stanza.unwrap(stanza, with: identity) {
                    fileKey = key
                    break
                }
            }
            if fileKey != nil { break }
        }
        guard let fileKey else { throw .noMatch(stanzaTypes: header.stanzas.map(\.type)) }
        guard fileKey.bitCount == Payload.fileKeySize * 8 else { throw .malformedHeader("the file key is not 16 bytes") }
        guard header.verifies(with: fileKey) else { throw .headerMACMismatch }
        let nonce = try input.read(Payload.nonceSize)
        guard nonce.count == Payload.nonceSize else {
            throw nonce.isEmpty ? .truncatedHeader : .malformedHeader("the payload nonce is cut short")
        }
        payloadKey = Payload.key(fileKey: fileKey, nonce: nonce)
    }

    public convenience init(path: String, identities: [X25519Identity]) throws(AgeFormatError) {
        try self.init(input: ByteInput(path: path), identities: identities)
    }

    /// Decrypts every chunk that authenticates, handing each plaintext to `body`.
    public func decrypt(_ body: ([UInt8]) throws -> Void) throws -> PayloadOutcome {
        var counter: UInt64 = 0
        var index: Int { Int(counter) }
        while true {
            let sealed = try input.read(Payload.sealedChunkSize)
            if sealed.isEmpty { return .truncated(chunks: index) }
            let more = sealed.count == Payload.sealedChunkSize ? try input.hasMore() : false
            if more {
                if let plain = Payload.open(sealed, key: payloadKey, counter: counter, last: false) {
                    try body(plain)
                    counter += 1
                    continue
                }
                // A full chunk marked last, with data after it.
                if let plain = Payload.open(sealed, key: payloadKey, counter: counter, last: true) {
                    try body(plain)
                    return .trailingData(chunks: index + 1)
                }
                return .damaged(chunk: index, partial: false)
            }
            if let plain = Payload.open(sealed, key: payloadKey, counter: counter, last: true) {
                // An empty last chunk is allowed only as the whole payload of an empty file.
                if plain.isEmpty && counter > 0 { return .damaged(chunk: index, partial: true) }
                try body(plain)
                return .complete(chunks: index + 1)
            }
            if sealed.count == Payload.sealedChunkSize,
               let plain = Payload.open(sealed, key: payloadKey, counter: counter, last: false) {
                // Whole, but not the last: the chunks after it are missing.
                try body(plain)
                return .truncated(chunks: index + 1)
            }
            return .damaged(chunk: index, partial: sealed.count < Payload.sealedChunkSize)
        }
    }
}
