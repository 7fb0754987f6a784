#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The POSIX file operations behind certificate files and key folders: atomic writes with
/// exact modes, permission checks on the opened file, folder creation with tight modes.
internal enum KeyFileSystem {
    /// Certificate files are a few hundred bytes; anything much larger is not one, and reading
    /// it whole could exhaust memory.
    static let maximumFileSize = 64 * 1024

    struct FileContents {
        var bytes: [UInt8]
        var mode: mode_t
    }

    /// Reads a small regular file and reports its permission bits, both from the same open
    /// file so that a rename in between cannot mix two files.
    static func readFile(_ path: String) throws -> FileContents {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw error(errno, path, "cannot open") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw error(errno, path, "cannot inspect") }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw CurveKeyFileError(code: .ioFailure, path: path, message: "\(path) is not a regular file")
        }
        guard Int(info.st_size) <= maximumFileSize else {
            throw CurveKeyFileError(code: .malformedKey, path: path,
                                    message: "\(path) is \(info.st_size) bytes, too large to be a certificate file")
        }
        var bytes: [UInt8] = []
        // Sized up front so that growing never leaves copies of a secret in freed memory.
        bytes.reserveCapacity(Int(info.st_size) + 4096)
        var chunk = [UInt8](repeating: 0, count: 4096)
        defer { chunk.withUnsafeMutableBytes { Sodium.wipe($0) } }
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                let code = errno
                bytes.withUnsafeMutableBytes { Sodium.wipe($0) }
                throw error(code, path, "cannot read")
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > maximumFileSize {
                bytes.withUnsafeMutableBytes { Sodium.wipe($0) }
                throw CurveKeyFileError(code: .malformedKey, path: path, message: "\(path) is too large to be a certificate file")
            }
        }
        return FileContents(bytes: bytes, mode: info.st_mode & 0o7777)
    }

    /// Replaces `path` with `bytes` so that readers see the old file or the new one, never a
    /// partial one, and the new file never exists with looser permissions than `mode`: the
    /// bytes go to a temporary file created with `mode` in the same folder, which is then
    /// renamed over `path`.
    static func writeFileAtomically(_ bytes: [UInt8], to path: String, mode: mode_t) throws {
        let temporary = try writeTemporaryFile(bytes, beside: path, mode: mode)
        do {
            try moveTemporaryFile(temporary, to: path)
        } catch {
            unlink(temporary)
            throw error
        }
    }

    /// The first half of ``writeFileAtomically(_:to:mode:)``: writes `bytes` to a new
    /// temporary file in `path`'s folder and returns its path, for a caller that puts several
    /// files in place only once all of them are written. The caller renames it with
    /// ``moveTemporaryFile(_:to:)`` or unlinks it.
    static func writeTemporaryFile(_ bytes: [UInt8], beside path: String, mode: mode_t) throws -> String {
        let folder = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        // A leading dot and a suffix other than .key keep half-written files out of any
        // `*.key` scan (pyzmq's glob and ours skip dot files).
        let temporary = (folder.isEmpty ? "." : folder) + "/.\(name).\(UInt32.random(in: 0...UInt32.max)).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw error(errno, temporary, "cannot create") }
        var succeeded = false
        defer {
            if !succeeded { unlink(temporary) }
        }
        do {
            defer { close(fd) }
            // The umask can only remove bits at open; fchmod makes the mode exact.
            guard fchmod(fd, mode) == 0 else { throw error(errno, temporary, "cannot set the mode of") }
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeBytes { buffer in
                    write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                }
                if written < 0 {
                    if errno == EINTR { continue }
                    throw error(errno, temporary, "cannot write")
                }
                offset += written
            }
            guard fsync(fd) == 0 else { throw error(errno, temporary, "cannot flush") }
        }
        succeeded = true
        return temporary
    }

    /// The second half: renames a file from ``writeTemporaryFile(_:beside:mode:)`` over `path`.
    static func moveTemporaryFile(_ temporary: String, to path: String) throws {
        guard rename(temporary, path) == 0 else { throw error(errno, path, "cannot replace") }
        let folder = (path as NSString).deletingLastPathComponent
        syncFolder(folder.isEmpty ? "." : folder)
    }

    /// Makes the rename durable; failure only weakens durability, so it is not reported.
    static func syncFolder(_ folder: String) {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    /// Creates `path` and any missing parents. With `privateMode`, the last folder is created
    /// 0700, or tightened to 0700 if it exists and group or others can enter it.
    static func createFolder(_ path: String, privateMode: Bool) throws {
        var info = stat()
        if stat(path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFDIR else {
                throw CurveKeyFileError(code: .notADirectory, path: path, message: "\(path) exists and is not a folder")
            }
            if privateMode && (info.st_mode & 0o077) != 0 {
                guard chmod(path, 0o700) == 0 else { throw error(errno, path, "cannot make private (chmod 700)") }
            }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty && parent != path {
            try createFolder(parent, privateMode: false)
        }
        if mkdir(path, privateMode ? 0o700 : 0o755) != 0 && errno != EEXIST {
            throw error(errno, path, "cannot create folder")
        }
        if privateMode {
            guard chmod(path, 0o700) == 0 else { throw error(errno, path, "cannot make private (chmod 700)") }
        }
    }

    /// Like ``createFolder(_:privateMode:)`` for folders that may be taken back: creates
    /// `path` and its missing parents (0755) and returns the folders it created, deepest first,
    /// for ``removeCreatedFolders(_:)``. A part of the path that is not a folder, or a folder
    /// this user cannot write into, is reported before anything is created.
    static func createFoldersUndoably(_ path: String) throws -> [String] {
        var missing: [String] = []
        var existing = path
        while !existing.isEmpty && !exists(existing) {
            missing.append(existing)
            let parent = (existing as NSString).deletingLastPathComponent
            if parent == existing { break }
            existing = parent
        }
        if existing.isEmpty { existing = "." }
        guard isDirectory(existing) else {
            throw CurveKeyFileError(code: .notADirectory, path: existing, message: "\(existing) is not a folder")
        }
        guard access(existing, W_OK | X_OK) == 0 else {
            throw CurveKeyFileError(code: .notWritable, path: existing, message: "cannot write into \(existing): \(String(cString: strerror(errno)))")
        }
        var created: [String] = []
        for folder in missing.reversed() {
            if mkdir(folder, 0o755) != 0 && errno != EEXIST {
                let failure = error(errno, folder, "cannot create folder")
                removeCreatedFolders(created.reversed())
                throw failure
            }
            created.append(folder)
        }
        return created.reversed()
    }

    /// Removes folders made by ``createFoldersUndoably(_:)`` (deepest first) if they are empty.
    static func removeCreatedFolders<S: Sequence>(_ folders: S) where S.Element == String {
        for folder in folders { rmdir(folder) }
    }

    /// A new empty folder `<parent>/.<prefix>.XXXXXX`, mode 0700. The dot keeps it out of
    /// every key scan.
    static func makeTemporaryFolder(in parent: String, prefix: String) throws -> String {
        var template = Array((parent + "/." + prefix + ".XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else { throw error(errno, parent, "cannot create a temporary folder in") }
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Removes a file or a folder with everything in it; quietly, for cleaning up after a
    /// failure or removing what was replaced.
    static func removeTree(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// `path` with symbolic links, `.` and `..` resolved as far as it exists, and the rest
    /// appended: two spellings of one folder give the same text, even before it is created.
    static func canonicalPath(_ path: String) -> String {
        var remainder: [String] = []
        var head = path.isEmpty ? "." : path
        while true {
            if let resolved = realpath(head, nil) {
                defer { free(resolved) }
                var result = String(cString: resolved)
                for part in remainder.reversed() where part != "." {
                    if part == ".." {
                        result = (result as NSString).deletingLastPathComponent
                    } else {
                        result = result == "/" ? "/" + part : result + "/" + part
                    }
                }
                return result
            }
            let parent = (head as NSString).deletingLastPathComponent
            let last = (head as NSString).lastPathComponent
            if parent == head || last.isEmpty { return path }
            remainder.append(last)
            head = parent.isEmpty ? "." : parent
        }
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    static func removeFile(_ path: String) throws {
        guard unlink(path) == 0 else { throw error(errno, path, "cannot remove") }
    }

    /// Names in `folder` that end in `suffix` and do not start with a dot, sorted; the same
    /// files pyzmq's `glob(folder/*.key)` finds.
    static func names(in folder: String, withSuffix suffix: String) throws -> [String] {
        guard let dir = opendir(folder) else { throw error(errno, folder, "cannot list") }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if !name.hasPrefix(".") && name.hasSuffix(suffix) && name.count > suffix.count {
                names.append(name)
            }
        }
        return names.sorted()
    }

    /// The octal text of permission bits, as `ls` users know them (0644).
    static func octal(_ mode: mode_t) -> String {
        let digits = String(mode & 0o7777, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    static func error(_ code: Int32, _ path: String, _ action: String) -> CurveKeyFileError {
        let reason = String(cString: strerror(code))
        switch code {
        case ENOENT:
            return CurveKeyFileError(code: .fileNotFound, path: path, message: "\(action) \(path): it does not exist")
        case EACCES, EPERM, EROFS:
            return CurveKeyFileError(code: .permissionDenied, path: path, message: "\(action) \(path): \(reason)")
        case ENOTDIR:
            return CurveKeyFileError(code: .notADirectory, path: path, message: "\(action) \(path): a part of the path is not a folder")
        default:
            return CurveKeyFileError(code: .ioFailure, path: path, message: "\(action) \(path): \(reason) (errno \(code))")
        }
    }
}
