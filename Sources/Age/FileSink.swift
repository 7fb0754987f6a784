import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A new file written with plain `write(2)` calls and no user-space buffer, so everything
/// handed over is in the kernel at once (a killed process loses none of it); with `sync`,
/// O_SYNC makes it reach the disk before each write returns.
public final class FileSink {
    public let path: String
    private var fd: Int32
    public private(set) var bytesWritten: Int64 = 0

    /// Creates `path`; an existing file is never overwritten.
    public init(path: String, sync: Bool = false) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | (sync ? O_SYNC : 0), 0o666)
        guard fd >= 0 else { throw FileSinkError(path: path, errno: errno) }
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    public func write(_ bytes: Data) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    public func write(_ raw: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < raw.count {
            let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileSinkError(path: path, errno: errno)
            }
            offset += n
        }
        bytesWritten += Int64(raw.count)
    }

    public func close() throws {
        guard fd >= 0 else { return }
        let result = Glibc.close(fd)
        fd = -1
        if result != 0 && errno != EINTR { throw FileSinkError(path: path, errno: errno) }
    }
}

public struct FileSinkError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var errno: Int32
    public var description: String { "cannot write \(path): \(String(cString: strerror(errno)))" }
}
