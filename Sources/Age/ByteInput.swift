import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Bytes read from a file (or memory) with a little buffering: lines for the header, then
/// fixed-size chunks for the payload.
public final class ByteInput {
    private let fd: Int32?
    private let ownsFD: Bool
    private var buffer: [UInt8]
    private var position = 0
    private var atEnd = false

    /// Reads `bytes` from memory.
    public init(bytes: [UInt8]) {
        fd = nil
        ownsFD = false
        buffer = bytes
        atEnd = true
    }

    /// Opens `path` for reading.
    public init(path: String) throws(AgeFormatError) {
        let opened = open(path, O_RDONLY | O_CLOEXEC)
        guard opened >= 0 else { throw .io("cannot open \(path): \(String(cString: strerror(errno)))") }
        fd = opened
        ownsFD = true
        buffer = []
    }

    deinit {
        if ownsFD, let fd { close(fd) }
    }

    /// Reads more from the file into the buffer; false at end of file.
    private func fill() throws(AgeFormatError) -> Bool {
        guard let fd, !atEnd else { return false }
        if position > 0 {
            buffer.removeFirst(position)
            position = 0
        }
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io("cannot read: \(String(cString: strerror(errno)))")
            }
            if n == 0 {
                atEnd = true
                return false
            }
            buffer.append(contentsOf: chunk[..<n])
            return true
        }
    }

    /// The next line without its LF, or nil when the input ends before an LF; a line longer
    /// than `limit` is a malformed header.
    func readLine(limit: Int) throws(AgeFormatError) -> [UInt8]? {
        var scanned = position
        while true {
            if let lf = buffer[scanned...].firstIndex(of: 0x0A) {
                let line = Array(buffer[position..<lf])
                position = lf + 1
                if line.count > limit { throw .malformedHeader("a header line is too long") }
                return line
            }
            scanned = buffer.count
            if scanned - position > limit { throw .malformedHeader("a header line is too long") }
            let before = position
            guard try fill() else { return nil }
            scanned -= before - position
        }
    }

    /// Up to `count` bytes; fewer only at the end of the input.
    func read(_ count: Int) throws(AgeFormatError) -> [UInt8] {
        while buffer.count - position < count {
            guard try fill() else { break }
        }
        let n = min(count, buffer.count - position)
        let out = Array(buffer[position..<(position + n)])
        position += n
        if position > 1 << 20 {
            buffer.removeFirst(position)
            position = 0
        }
        return out
    }

    /// Whether anything is left to read.
    func hasMore() throws(AgeFormatError) -> Bool {
        if buffer.count > position { return true }
        return try fill()
    }
}
