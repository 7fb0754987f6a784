import FrameCodecs
import FrameNodes
import GStreamerNodes
import MediaRouter
import NetGear

/// Every node kind compiled into media-router: the one list. Adding a kind means adding its
/// plugin folder and one line here.
public let builtInPlugins: [any NodePlugin.Type] = [
    // Inputs
    GStreamerCapturePlugin.self,
    NetGearReceivePlugin.self,
    FrameGeneratePlugin.self,
    // Transforms
    JPEGEncodePlugin.self,
    JPEGDecodePlugin.self,
    FrameRatePlugin.self,
    GStreamerTransformPlugin.self,
    // Outputs
    NetGearSendPlugin.self,
    GStreamerRecordPlugin.self,
    GStreamerOutputPlugin.self,
    FrameDiscardPlugin.self,
]

/// Converters the runtime may put on an edge whose consumer cannot take its producer's frames.
public let builtInConverters: [any FrameConverter] = [
    JPEGToRawConverter(),
]

extension NodeRegistry {
    /// The registry of every built-in node kind.
    public static let builtIn = NodeRegistry(plugins: builtInPlugins, converters: builtInConverters)
}
