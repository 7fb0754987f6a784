internal import CGStreamer

/// The library as a whole: initialization and version.
public enum GStreamer {
    /// Initializes GStreamer (plugin registry, debug system) once per process.
    ///
    /// Safe to call any number of times from any thread; every type in this module calls it
    /// before touching GStreamer, so calling it yourself is only needed to surface an
    /// initialization failure early. The corresponding C function is `gst_init_check`.
    public static func initialize() throws {
        try initialization.get()
    }

    /// The version of the GStreamer library loaded at run time (not the headers built against).
    /// The corresponding C function is `gst_version`.
    public static var version: Version {
        var major: guint = 0, minor: guint = 0, micro: guint = 0, nano: guint = 0
        gst_version(&major, &minor, &micro, &nano)
        return Version(major: Int(major), minor: Int(minor), micro: Int(micro), nano: Int(nano))
    }

    /// A `static let` is initialized exactly once, atomically, on first use: that is the whole
    /// thread-safety story, and a failure is remembered rather than retried.
    private static let initialization: Result<Void, GStreamerError> = {
        var error: UnsafeMutablePointer<GError>?
        if gst_init_check(nil, nil, &error) != 0 {
            return .success(())
        }
        return .failure(GStreamerError(consuming: error, code: .initialization,
                                       context: "could not initialize GStreamer"))
    }()
}

extension GStreamer {
    /// A GStreamer library version, e.g. 1.22.0.
    public struct Version: Hashable, Comparable, Sendable, CustomStringConvertible {
        public var major: Int
        public var minor: Int
        public var micro: Int
        /// 1 for CVS/git builds, 2–… for pre-releases, 0 for releases.
        public var nano: Int

        public init(major: Int, minor: Int, micro: Int, nano: Int = 0) {
            self.major = major
            self.minor = minor
            self.micro = micro
            self.nano = nano
        }

        public var description: String { "\(major).\(minor).\(micro)" }

        public static func < (lhs: Version, rhs: Version) -> Bool {
            (lhs.major, lhs.minor, lhs.micro, lhs.nano) < (rhs.major, rhs.minor, rhs.micro, rhs.nano)
        }
    }
}
