import Foundation
import Logging
import MediaRouter

/// The files of one recorder: names each new segment from the template, and after each segment
/// closes deletes the oldest finished files the retention options no longer allow.
///
/// Used from three threads: splitmuxsink's streaming thread asks for names, the bus watch
/// reports closed segments, and the node thread prepares the folder; all state is locked.
final class SegmentFiles: Sendable {
    struct State: Sendable {
        var open: Set<String> = []
        var handedOut: Set<String> = []
        var folders: Set<String> = []
        var closedCount = 0
        /// Open files splitmuxsink said it opened; only these can vanish.
        var started: Set<String> = []
        /// The device and inode of each open file once it was seen on disk, to notice it vanish.
        var identities: [String: FileIdentity] = [:]
        /// Open files that were deleted (or their folder) while being written; their close is
        /// no finished segment.
        var lost: Set<String> = []
    }

    struct FileIdentity: Sendable, Equatable {
        var device: UInt64
        var inode: UInt64

        init?(path: String) {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
        }
    }

    let template: String
    let nodeName: String
    let retention: RecordConfig.Retention
    let logger: Logger
    let counters: NodeCounters
    /// Added to every name: ".age" when segments are encrypted (NAME.mkv.age).
    let suffix: String
    private let state = Locked(State())
    /// Matches the names this template makes (any time, any -N suffix), for retention.
    private let namePattern: String

    init(config: RecordConfig, logger: Logger, counters: NodeCounters) {
        template = config.nodeTemplate
        nodeName = config.nodeName
        retention = config.retention
        self.logger = logger
        self.counters = counters
        suffix = config.encryption == nil ? "" : RecordEncryption.fileSuffix
        namePattern = Self.pattern(forFileName: (template as NSString).lastPathComponent, suffix: suffix)
    }

    /// The part of the template's folder that has no time fields: it must exist before anything
    /// is recorded, so a path that cannot be used fails the start and not the first frame.
    var fixedFolder: String { Self.fixedFolder(of: template) }

    static func fixedFolder(of template: String) -> String {
        var parts = (template as NSString).pathComponents.dropLast()
        if let field = parts.firstIndex(where: { $0.contains("%") }) { parts = parts[..<field] }
        return NSString.path(withComponents: Array(parts))
    }

    func prepare() throws {
        let folder = fixedFolder
        if let problem = RecordFolder.make(folder) {
            throw RouterError(.startFailed, "cannot create the recording folder \(folder): \(problem.message)", permanent: problem.permanent)
        }
        // Permission checks pass for root even where no file can be made (/proc): only making one tells.
        if let problem = RecordFolder.probe(folder) {
            throw RouterError(.startFailed, "cannot write recordings to \(folder): \(problem.message)", permanent: problem.permanent)
        }
        if access(folder, W_OK | X_OK) != 0 {
            throw RouterError(.startFailed, "cannot write recordings to \(folder): \(String(cString: strerror(errno)))", permanent: true)
        }
        // Without time fields in the folder, every file of the template lives here, so files
        // of earlier runs are found before this run closes its first segment.
        if !(template as NSString).deletingLastPathComponent.contains("%") {
            _ = state.withLock { $0.folders.insert(folder) }
        }
    }

    /// The name of the next segment: the template at this moment, made unique. Runs on a
    /// streaming thread while the muxer waits, so it only formats, stats and creates folders.
    func nextPath() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = strftime(&buffer, buffer.count, template, &parts)
        let expanded = length > 0 ? String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) : template
        let folder = (expanded as NSString).deletingLastPathComponent
        if let problem = RecordFolder.make(folder) {
            // filesink will fail to open the file and say so on the bus; this adds the cause.
            logger.error("cannot use the recording folder \(folder): \(problem.message)")
        }
        return state.withLock { s in
            let stem = (expanded as NSString).deletingPathExtension
            let ext = (expanded as NSString).pathExtension
            var path = expanded + suffix
            var n = 1
            while s.handedOut.contains(path) || FileManager.default.fileExists(atPath: path) {
                path = "\(stem)-\(n)" + (ext.isEmpty ? "" : ".\(ext)") + suffix
                n += 1
            }
            s.handedOut.insert(path)
            s.open.insert(path)
            s.folders.insert(folder)
            return path
        }
    }

    var openPaths: Set<String> { state.value.open }

    /// splitmuxsink opened a segment: remember which file it is, to notice if it vanishes.
    func opened(_ path: String) {
        let identity = FileIdentity(path: path)
        state.withLock { s in
            guard s.open.contains(path) else { return }
            s.started.insert(path)
            if s.identities[path] == nil { s.identities[path] = identity }
        }
    }

    /// The open files that were deleted, or whose folder was, while being written (their data
    /// goes nowhere now): each is logged and counted as lost once, and left out of the open
    /// files. A file not seen on disk yet counts only when its folder is gone.
    func vanished() -> [String] {
        let gone = state.withLock { s -> [String] in
            var gone: [String] = []
            for path in s.open where s.started.contains(path) {
                if let known = s.identities[path] {
                    let now = FileIdentity(path: path)
                    if now != known { gone.append(path) }
                } else if let now = FileIdentity(path: path) {
                    s.identities[path] = now
                } else if access((path as NSString).deletingLastPathComponent, F_OK) != 0 {
                    gone.append(path)
                }
            }
            for path in gone {
                s.open.remove(path)
                s.started.remove(path)
                s.identities[path] = nil
                s.lost.insert(path)
            }
            return gone.sorted()
        }
        for path in gone { reportLost(path) }
        return gone
    }

    private func reportLost(_ path: String) {
        counters.add("lost_segments")
        counters.note("lost_file", path)
        logger.warning("lost \(path): the file or its folder was deleted or moved while it was being recorded; recording goes on in a new file")
    }

    /// A segment is finished: count it, log it, then apply retention. A segment that vanished
    /// while it was written is lost, not finished.
    func closed(_ path: String) {
        let (wasLost, identity) = state.withLock { s -> (Bool, FileIdentity?) in
            s.open.remove(path)
            s.started.remove(path)
            return (s.lost.remove(path) != nil, s.identities.removeValue(forKey: path))
        }
        if wasLost {
            logger.debug("the lost file \(path) was closed")
            return
        }
        let now = FileIdentity(path: path)
        if now == nil || (identity != nil && now != identity) {
            reportLost(path)
            return
        }
        state.withLock { $0.closedCount += 1 }
        counters.add("segments")
        counters.note("last_file", path)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        if let size { counters.add("bytes_written", size) }
        logger.info("closed segment \(path)\(size.map { " (\(formatBytes(Int64($0))))" } ?? "")")
        enforceRetention()
    }

    /// Forgets a segment that will never close (its pipeline failed), so retention may delete it
    /// once it is old enough.
    func abandonOpen() {
        state.withLock {
            $0.open.removeAll()
            $0.started.removeAll()
            $0.identities.removeAll()
            $0.lost.removeAll()
        }
    }

    struct Existing {
        var path: String
        var modified: Date
        var size: Int64
    }

    /// Deletes the oldest finished files beyond `max_files`, older than `max_age`, or while all
    /// of them take more than `max_total_size`. Files of earlier runs in the same folders count
    /// too; the open segment is never deleted, nor, for the size limit, the newest finished one.
    func enforceRetention() {
        guard retention.isEnabled else { return }
        let (folders, open) = state.withLock { ($0.folders, $0.open) }
        guard let regex = try? NSRegularExpression(pattern: namePattern) else { return }
        var finished: [Existing] = []
        var openSize: Int64 = 0
        for folder in folders {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { continue }
            for name in names where regex.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil {
                let path = (folder as NSString).appendingPathComponent(name)
                guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                      attributes[.type] as? FileAttributeType == .typeRegular else { continue }
                let size = Int64((attributes[.size] as? Int) ?? 0)
                if open.contains(path) {
                    openSize += size
                    continue
                }
                finished.append(Existing(path: path, modified: attributes[.modificationDate] as? Date ?? .distantPast, size: size))
            }
        }
        finished.sort { ($0.modified, $0.path) < ($1.modified, $1.path) }
        var doomed: [(Existing, String)] = []
        if let maxAge = retention.maxAge {
            let cutoff = Date().addingTimeInterval(-maxAge)
            while let oldest = finished.first, oldest.modified < cutoff {
                doomed.append((finished.removeFirst(), "older than \(formatDuration(maxAge))"))
            }
        }
        if let maxFiles = retention.maxFiles {
            while finished.count > maxFiles {
                doomed.append((finished.removeFirst(), "more than \(maxFiles) files"))
            }
        }
        if let maxTotal = retention.maxTotalSize {
            var total = finished.reduce(openSize) { $0 + $1.size }
            // The newest finished file stays even when it alone is over the limit: deleting the
            // recording just made would leave nothing to show for it.
            while total > maxTotal, finished.count > 1 {
                let oldest = finished.removeFirst()
                total -= oldest.size
                doomed.append((oldest, "more than \(formatBytes(maxTotal)) in all"))
            }
        }
        for (file, reason) in doomed {
            do {
                try FileManager.default.removeItem(atPath: file.path)
                counters.add("deleted")
                logger.info("deleted \(file.path) (retention: \(reason))")
            } catch {
                logger.warning("could not delete \(file.path) for retention: \(error)")
            }
        }
    }

    /// A regular expression for the file names a template makes: strftime fields become digit
    /// runs, and the `-N` that makes a name unique may precede the extension.
    static func pattern(forFileName template: String, suffix: String = "") -> String {
        let ext = (template as NSString).pathExtension
        let stem = ext.isEmpty ? template : String(template.dropLast(ext.count + 1))
        func convert(_ text: String) -> String {
            var out = ""
            var chars = text.makeIterator()
            while let c = chars.next() {
                guard c == "%" else {
                    out += NSRegularExpression.escapedPattern(for: String(c))
                    continue
                }
                switch chars.next() {
                case "Y", "G": out += "[0-9]{4}"
                case "m", "d", "H", "M", "S", "y", "I", "U", "W", "V", "C": out += "[0-9]{2}"
                case "e": out += "[ 0-9][0-9]"
                case "j": out += "[0-9]{3}"
                case "s": out += "[0-9]+"
                case "F": out += "[0-9]{4}-[0-9]{2}-[0-9]{2}"
                case "T": out += "[0-9]{2}:[0-9]{2}:[0-9]{2}"
                case "R": out += "[0-9]{2}:[0-9]{2}"
                case "%": out += "%"
                case nil: out += "%"
                default: out += "[^/]+?"
                }
            }
            return out
        }
        return "^" + convert(stem) + "(-[0-9]+)?" + (ext.isEmpty ? "" : "\\." + convert(ext)) + NSRegularExpression.escapedPattern(for: suffix) + "$"
    }
}
