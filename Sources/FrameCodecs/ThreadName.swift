import Foundation

/// Names the calling thread for the kernel (top -H, gdb, /proc/self/task/*/comm), cut to the
/// 15 bytes Linux keeps; for plugins' node threads and the pool's own. Foundation's `Thread.name`, set before the thread starts, does not
/// reach the kernel on Linux: a node's thread shows as "...root.default-qos" until named.
public func nameCurrentThread(_ name: String) {
    #if os(Linux)
    var cut = ""
    for c in name {
        if cut.utf8.count + c.utf8.count > 15 { break }
        cut.append(c)
    }
    // pthread_setname_np is not visible to Swift (it needs _GNU_SOURCE); this is what it does.
    let fd = open("/proc/thread-self/comm", O_WRONLY)
    guard fd >= 0 else { return }
    _ = Array(cut.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
    #endif
}
