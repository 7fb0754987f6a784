import Crypto
import Foundation

/// Encrypts one age file as its plaintext arrives, append-only: the header and payload nonce
/// at once, then each 64 KiB chunk as soon as the byte after it shows it is not the last, and
/// the last chunk at `finish()`. Every file gets its own random file key.
///
/// What is written is always a prefix of a valid age file whose chunks all authenticate, so a
/// crash loses at most the chunk still being filled. Not thread-safe: one writer, one thread.
public final class AgeWriter {
    public typealias Output = (Data) throws -> Void

    private let output: Output
    private let payloadKey: SymmetricKey
    private var pending: [UInt8] = []
    private var counter: UInt64 = 0
    private var finished = false
    /// Plaintext bytes taken so far.
    public private(set) var plaintextBytes: Int64 = 0
    /// Chunks written out so far (the last one included once finished).
    public var chunksWritten: UInt64 { counter }
    /// Plaintext bytes waiting in the chunk being filled (lost if the process dies now).
    public var bufferedBytes: Int { pending.count }

    /// Writes the header for `recipients` through `output` at once.
    public init(recipients: [X25519Recipient], output: @escaping Output) throws {
        precondition(!recipients.isEmpty, "an age file needs at least one recipient")
        self.output = output
        let fileKey = SymmetricKey(size: .init(bitCount: Payload.fileKeySize * 8))
        let stanzas = try recipients.map { try X25519Stanza.wrap(fileKey, for: $0) }
        var nonce = [UInt8](repeating: 0, count: Payload.nonceSize)
        var generator = SystemRandomNumberGenerator()
        for i in nonce.indices { nonce[i] = generator.next() }
        payloadKey = Payload.key(fileKey: fileKey, nonce: nonce)
        pending.reserveCapacity(Payload.chunkSize)
        try output(Data(Header.encode(stanzas: stanzas, fileKey: fileKey) + nonce))
    }

    /// Adds plaintext; full chunks go out as soon as more plaintext follows them.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(!finished, "write after finish")
        var offset = 0
        while offset < bytes.count {
            if pending.count == Payload.chunkSize {
                try output(Payload.seal(pending, key: payloadKey, counter: counter, last: false))
                counter += 1
                pending.removeAll(keepingCapacity: true)
            }
            let take = min(Payload.chunkSize - pending.count, bytes.count - offset)
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + take)]))
            offset += take
        }
        plaintextBytes += Int64(bytes.count)
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Writes the last chunk. The file is complete only after this.
    public func finish() throws {
        guard !finished else { return }
        finished = true
        try output(Payload.seal(pending, key: payloadKey, counter: counter, last: true))
        counter += 1
        pending.removeAll()
    }
}
