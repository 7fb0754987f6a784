import Foundation

/// Process-wide allocator settings for video.
public enum MemoryTuning {
    /// Keeps frame-sized blocks (up to 64 MiB) in the heap instead of mapping and unmapping
    /// them for every frame. glibc maps blocks above a threshold that it adjusts as the program
    /// runs, so a 1 MB frame buffer would sometimes cost a fresh mmap, 250 page faults and a
    /// munmap per frame, and sometimes not: measured, that alone halved CurveZMQ throughput of
    /// 640x480 BGR frames in some runs (370 vs 740 frames/s). A fixed threshold makes it steady.
    ///
    /// `mallopt` lives in <malloc.h>, which Swift's Glibc module does not include, so it is
    /// looked up by name; on other C libraries this does nothing.
    public static func configureForVideo() {
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: MallOpt.self)
        // glibc's M_TRIM_THRESHOLD is -1 and M_MMAP_THRESHOLD is -3.
        _ = mallopt(-3, 64 << 20)
        _ = mallopt(-1, 128 << 20)
    }
}
