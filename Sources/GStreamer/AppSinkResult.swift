/// The outcome of `AppSink.pullSample(timeout:)`.
public enum AppSinkResult: Sendable {
    /// The next frame.
    case sample(VideoSample)
    /// No frame arrived within the timeout; the stream continues.
    case timeout
    /// The stream ended; no more frames will come.
    case endOfStream
    /// The appsink is stopping or stopped (its pipeline went to READY or NULL, or a flush is
    /// in progress); stop pulling.
    case flushing
}
