// The lock types and the edit distance live in the dependency-free Primitives module, which the
// wrappers (ZeroMQ, GStreamer) share with the core; re-exported so that `import MediaRouter`
// still brings `ConditionLock` and `Locked`.
@_exported import Primitives
