import Foundation

/// One codec per thread, for converters that run on whichever node thread needs them and for
/// the workers of an `OrderedEncoderPool`.
public enum ThreadCodec {
    private static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k) { ptr in if let ptr { Unmanaged<JPEGFrameCodec>.fromOpaque(ptr).release() } }
        return k
    }()

    public static var current: JPEGFrameCodec {
        if let p = pthread_getspecific(key) { return Unmanaged<JPEGFrameCodec>.fromOpaque(p).takeUnretainedValue() }
        let codec = JPEGFrameCodec()
        pthread_setspecific(key, Unmanaged.passRetained(codec).toOpaque())
        return codec
    }
}
