import Foundation

/// Whether a folder can hold recordings: checked without touching anything when a graph is
/// validated, and by creating the folder and a probe file when a recorder starts or fails.
enum RecordFolder {
    /// Why recording into a folder fails; `permanent` when trying again cannot help without
    /// someone changing the file system (a read-only or kernel file system, a file in the way,
    /// no permission), as opposed to a full disk or an I/O error that may pass.
    struct Problem: Sendable, Equatable {
        var message: String
        var permanent: Bool
    }

    /// Kernel file systems that show the kernel's state as files and never hold a file of ours.
    static let kernelFileSystems: Set<String> = [
        "proc", "sysfs", "devpts", "debugfs", "tracefs", "securityfs", "configfs", "bpf", "pstore",
        "efivarfs", "cgroup", "cgroup2", "binfmt_misc", "mqueue", "hugetlbfs", "fusectl", "autofs",
    ]

    /// The name of the kernel file system the existing `path` is on, if it is on one: the type
    /// of the mount with the longest mount point above it (symbolic links followed), from
    /// /proc/self/mountinfo, since Glibc's module leaves statfs out.
    static func kernelFileSystem(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        let real = String(cString: resolved)
        free(resolved)
        guard let table = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return nil }
        var best: (point: String, type: String)?
        for line in table.split(separator: "\n") {
            // id parent major:minor root mount-point options [optional fields] - type source options
            let fields = line.split(separator: " ")
            guard fields.count > 6, let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count else { continue }
            let point = unescapeMountField(String(fields[4]))
            let inside = point == "/" || real == point || real.hasPrefix(point + "/")
            if inside, point.count >= (best?.point.count ?? -1) { best = (point, String(fields[dash + 1])) }
        }
        guard let type = best?.type, kernelFileSystems.contains(type) else { return nil }
        return type
    }

    /// mountinfo writes space, tab, newline and backslash in paths as octal escapes (`\040`).
    static func unescapeMountField(_ field: String) -> String {
        guard field.contains("\\") else { return field }
        var bytes: [UInt8] = []
        var chars = Array(field.utf8)[...]
        while let c = chars.popFirst() {
            if c == UInt8(ascii: "\\"), chars.count >= 3, let code = UInt8(String(decoding: chars.prefix(3), as: UTF8.self), radix: 8) {
                bytes.append(code)
                chars = chars.dropFirst(3)
            } else {
                bytes.append(c)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Why `folder` can never be a folder of recordings, judged from what exists now without
    /// creating anything: a file where a folder must be, or a kernel file system. Folders
    /// that do not exist yet are fine when their nearest existing parent is a usable folder.
    static func unusable(_ folder: String) -> String? {
        var path = folder
        var isDirectory: ObjCBool = false
        while !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            let parent = (path as NSString).deletingLastPathComponent
            if parent.isEmpty || parent == path { return nil }
            path = parent
        }
        if !isDirectory.boolValue { return "\(path) is a file, not a folder" }
        if let fs = kernelFileSystem(path) { return "\(path) is on \(fs), a kernel file system that cannot hold files" }
        return nil
    }

    /// Creates `folder` and its parents; nil on success, otherwise why not.
    static func make(_ folder: String) -> Problem? {
        if let reason = unusable(folder) { return Problem(message: reason, permanent: true) }
        let code = makeFolders(folder)
        if code == 0 { return nil }
        return Problem(message: String(cString: strerror(code)), permanent: isPermanent(code))
    }

    /// Creates `folder` if needed, then a file in it (removed at once), the way the recorder will:
    /// the only sure test, since root passes every permission check even where no file can be
    /// made (/proc). Nil when a file can be made there.
    static func probe(_ folder: String) -> Problem? {
        if let reason = unusable(folder) { return Problem(message: reason, permanent: true) }
        if let problem = make(folder) {
            return Problem(message: "cannot create the folder \(folder): \(problem.message)", permanent: problem.permanent)
        }
        let probe = (folder as NSString).appendingPathComponent(".media-router-probe-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 {
            let code = errno
            return Problem(message: "\(folder) cannot hold files: \(String(cString: strerror(code)))", permanent: isPermanent(code))
        }
        close(fd)
        unlink(probe)
        return nil
    }

    /// Errors that stay until someone changes the file system or its permissions.
    static func isPermanent(_ code: Int32) -> Bool {
        [ENOENT, ENOTDIR, EISDIR, EACCES, EPERM, EROFS, ENAMETOOLONG, ELOOP, EINVAL, EEXIST].contains(code)
    }

    /// `mkdir -p`: 0, or the errno of the step that failed.
    private static func makeFolders(_ folder: String) -> Int32 {
        if mkdir(folder, 0o777) == 0 { return 0 }
        var code = errno
        if code == EEXIST { return isFolder(folder) ? 0 : ENOTDIR }
        guard code == ENOENT else { return code }
        let parent = (folder as NSString).deletingLastPathComponent
        guard !parent.isEmpty, parent != folder else { return code }
        let parentCode = makeFolders(parent)
        if parentCode != 0 { return parentCode }
        if mkdir(folder, 0o777) == 0 { return 0 }
        code = errno
        return code == EEXIST && isFolder(folder) ? 0 : code
    }

    private static func isFolder(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
