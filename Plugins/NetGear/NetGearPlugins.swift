import MediaRouter

/// `netgear.send`: vidgear NetGear's sender ("Server", send mode).
public struct NetGearSendPlugin: NodePlugin, RestartDefaulting {
    public static let kind = "netgear.send"
    public static let summary = "Send frames over ZeroMQ as vidgear NetGear does (PAIR, REQ/REP, PUB/SUB; CurveZMQ StoneHouse/IronHouse)"
    public static let role = NodeRole.sink
    public static let options: [OptionSpec] = NetGearOptions.common(side: .sender) + NetGearOptions.senderExtras
    public static let defaultInputQueue = QueueSettings(size: 2, policy: .dropOldest)
    public static let defaultRestart = RestartPolicy(mode: .onFailure, maxRestarts: nil, backoff: 1, maxBackoff: 30)

    public static func accepts(_ options: NodeOptions) -> Set<MediaKind> { [.raw, .jpeg, .array] }

    public static func validate(_ options: NodeOptions, context: ValidationContext, into diagnostics: inout Diagnostics) {
        NetGearOptions.validate(options, side: .sender, into: &diagnostics)
        if options.isSet("jpeg_compression"), case .bool(false)? = options["jpeg_compression"], context.inputKinds == [.jpeg] {
            diagnostics.warning("jpeg_compression is off but the input is JPEG: frames are sent as JPEG anyway (they are never decoded to be sent raw)",
                                at: options.location(of: "jpeg_compression"))
        }
    }

    public static func claims(_ options: NodeOptions) -> [ResourceClaim] { NetGearOptions.claims(options, side: .sender) }

    public static func make(_ context: NodeContext) throws -> any Node {
        NetGearSendNode(config: NetGearConfig(context.options, side: .sender), context: context)
    }
}

/// `netgear.receive`: vidgear NetGear's receiver ("Client", receive mode).
public struct NetGearReceivePlugin: NodePlugin {
    public static let kind = "netgear.receive"
    public static let summary = "Receive frames from vidgear NetGear peers or netgear.send (JPEG stays JPEG until a node needs pixels)"
    public static let role = NodeRole.source
    public static let options: [OptionSpec] = NetGearOptions.common(side: .receiver) + NetGearOptions.receiverExtras

    public static func produces(_ options: NodeOptions, inputKinds: Set<MediaKind>) -> Set<MediaKind> { [.raw, .jpeg, .array] }

    public static func validate(_ options: NodeOptions, context: ValidationContext, into diagnostics: inout Diagnostics) {
        NetGearOptions.validate(options, side: .receiver, into: &diagnostics)
    }

    public static func claims(_ options: NodeOptions) -> [ResourceClaim] { NetGearOptions.claims(options, side: .receiver) }

    public static func make(_ context: NodeContext) throws -> any Node {
        NetGearReceiveNode(config: NetGearConfig(context.options, side: .receiver), context: context)
    }
}
