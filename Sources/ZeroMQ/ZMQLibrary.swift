internal import CZeroMQ

/// Facts about the libzmq the process linked against.
public enum ZMQLibrary {
    /// The libzmq version, e.g. `(4, 3, 4)`. The corresponding C function is `zmq_version`.
    public static var version: (major: Int, minor: Int, patch: Int) {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return (Int(major), Int(minor), Int(patch))
    }

    /// Whether libzmq was built with a capability such as `"curve"` or `"ipc"`.
    ///
    /// The corresponding C function is `zmq_has`.
    public static func has(_ capability: String) -> Bool {
        zmq_has(capability) != 0
    }
}
