#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The keys of one IronHouse allow-list folder, re-read whenever the folder's listing or any
/// `*.key` file's inode, size or modification time changes. Owned by the authenticator thread.
internal struct AllowListDirectory {
    private struct Stamp: Equatable {
        var inode: UInt64
        var size: Int64
        var seconds: Int
        var nanoseconds: Int
    }

    private struct Signature: Equatable {
        var folder: Stamp?
        var files: [String: Stamp]
    }

    let path: String
    private var signature: Signature?
    private(set) var keys: [CurveKey] = []
    /// The file each key came from, without `.key`: the client's name (`keys add-client NAME`).
    private(set) var names: [String] = []

    init(path: String) {
        self.path = path
    }

    /// Re-reads the keys if anything changed since the last call. Returns the files that
    /// could not be read when it re-read them (nil when nothing changed).
    mutating func refresh() -> [CurveKeyFileError]? {
        let current = Self.signature(of: path)
        guard current != signature else { return nil }
        signature = current
        var problems: [CurveKeyFileError] = []
        var loaded: [CurveKey] = []
        var loadedNames: [String] = []
        if current.folder == nil {
            problems.append(CurveKeyFileError(code: .fileNotFound, path: path,
                                              message: "the allow-list folder \(path) does not exist; every client is refused"))
        }
        for name in current.files.keys.sorted() {
            do {
                loaded.append(try CurveCertificate.readPublicKey(from: path + "/" + name))
                loadedNames.append(String(name.dropLast(".key".count)))
            } catch let error as CurveKeyFileError {
                problems.append(error)
            } catch {
                problems.append(CurveKeyFileError(code: .ioFailure, path: path + "/" + name, message: "\(error)"))
            }
        }
        keys = loaded
        names = loadedNames
        return problems
    }

    /// Whether `key` is allowed. Every entry is compared in constant time, and the loop never
    /// stops early, so timing reveals neither the key nor where it sits in the list.
    func contains(_ key: CurveKey) -> Bool {
        var found = false
        for candidate in keys {
            found = candidate.constantTimeEquals(key) || found
        }
        return found
    }

    /// The name of the first file holding `key` (a name for logs and the API, not a secret);
    /// call only for a key `contains` admitted.
    func name(of key: CurveKey) -> String? {
        var name: String?
        for (candidate, n) in zip(keys, names) where name == nil && candidate.constantTimeEquals(key) {
            name = n
        }
        return name
    }

    private static func signature(of path: String) -> Signature {
        guard let folder = stamp(path) else { return Signature(folder: nil, files: [:]) }
        var files: [String: Stamp] = [:]
        for name in (try? KeyFileSystem.names(in: path, withSuffix: ".key")) ?? [] {
            if let stamp = stamp(path + "/" + name) { files[name] = stamp }
        }
        return Signature(folder: folder, files: files)
    }

    private static func stamp(_ path: String) -> Stamp? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        #if canImport(Darwin)
        let modified = info.st_mtimespec
        #else
        let modified = info.st_mtim
        #endif
        return Stamp(inode: UInt64(info.st_ino), size: Int64(info.st_size),
                     seconds: Int(modified.tv_sec), nanoseconds: Int(modified.tv_nsec))
    }
}
