import Foundation
import MediaRouter

/// The options of netgear.send and netgear.receive: vidgear's own names and values, so a
/// vidgear options dict can be copied across, plus a few of ours (bind/connect, metadata, hwm).
enum NetGearOptions {
    static let patternChoice = OptionType.choice(["0", "1", "2"], aliases: [
        "pair": "0", "reqrep": "1", "req-rep": "1", "req/rep": "1", "request-reply": "1",
        "pubsub": "2", "pub-sub": "2", "pub/sub": "2", "publish-subscribe": "2",
    ])
    static let secureChoice = OptionType.choice(["0", "1", "2"], aliases: [
        "grassland": "0", "grasslands": "0", "none": "0", "off": "0", "stonehouse": "1", "ironhouse": "2",
    ])
    static let colorspaces = ["RGB", "BGR", "RGBX", "BGRX", "XBGR", "XRGB", "GRAY", "RGBA", "BGRA", "ABGR", "ARGB"]
    static let endpointList = OptionType.list(.named("endpoint", .string))
    /// A number or a word (ipc takes any text as the end of its path), one or a list; TCP ports
    /// are checked in `validate`, where the message can say what is wrong with which port.
    static let portNumber = OptionType.named("port", .int())
    static let portName = OptionType.named("ipc name", .string)
    static let portType = OptionType.oneOf([portNumber, portName, .list(.oneOf([portNumber, portName]))])
    static let portRange = 1...65535

    static func common(side: NetGearConfig.Side) -> [OptionSpec] {
        let receiver = side == .receiver
        return [
            OptionSpec("address", .string, default: .string(receiver ? "*" : "localhost"),
                       doc: receiver ? "IP this receiver binds (vidgear: the receiver's own IP; * for all)"
                                     : "IP of the receiver to connect to (vidgear: the receiver's IP)"),
            OptionSpec("port", portType, default: .string("5555"),
                       doc: receiver ? "TCP port (1...65535) to bind; a list in multiserver_mode (one per sender); with ipc, the end of the path"
                                     : "TCP port (1...65535) to connect to; a list of receivers' ports in multiclient_mode; with ipc, the end of the path"),
            OptionSpec("protocol", .choice(["tcp", "ipc"]), default: .string("tcp"), doc: "transport: tcp or ipc"),
            OptionSpec("pattern", patternChoice, default: .string("0"),
                       doc: "0 = PAIR, 1 = REQ/REP, 2 = PUB/SUB (also: pair, reqrep, pubsub)"),
            OptionSpec("secure_mode", secureChoice, default: .string("0"),
                       doc: "0 = none (grassland), 1 = StoneHouse (any client key), 2 = IronHouse (only listed client keys)"),
            OptionSpec("custom_cert_location", .path,
                       doc: "folder holding .vidgear/keys (vidgear's layout); default is the home folder"),
            OptionSpec("overwrite_cert", .bool, default: .bool(false),
                       doc: receiver ? "ignored on a receiver, as in vidgear" : "make new keys once when media-router starts (vidgear's sender option); reconnects and restarts keep them"),
            OptionSpec("jpeg_compression", .oneOf([.bool, .choice(colorspaces)]), default: .bool(true),
                       doc: receiver ? "JPEG settings for return data (vidgear); received frames are decoded by their own header"
                                     : "send JPEG (true, or the colorspace label such as BGR or GRAY) or raw numpy bytes (false)"),
            OptionSpec("jpeg_compression_quality", .int(10...100), default: .int(90), doc: "JPEG quality, 10 to 100"),
            OptionSpec("jpeg_compression_fastdct", .bool, default: .bool(true), doc: "fast DCT when encoding (sent as 'dct')"),
            OptionSpec("jpeg_compression_fastupsample", .bool, default: .bool(false), doc: "fast upsampling when decoding (sent as 'ups')"),
            OptionSpec("bidirectional_mode", .bool, default: .bool(false),
                       doc: "exchange data both ways (patterns 0 and 1 only); must match the peer"),
            OptionSpec("multiserver_mode", .bool, default: .bool(false),
                       doc: "many senders to one receiver (patterns 1 and 2); the receiver binds a list of ports"),
            OptionSpec("multiclient_mode", .bool, default: .bool(false),
                       doc: "one sender to many receivers (patterns 1 and 2); the sender connects to a list of ports"),
            OptionSpec("max_retries", .int(0...1_000_000),
                       doc: receiver ? "idle periods of 3 x request_timeout after which the stream ends (patterns 0/1); default: wait forever"
                                     : "consecutive reply timeouts before giving up (patterns 0/1); resets after each reply; 0 = never give up; default 3"),
            OptionSpec("request_timeout", .int(4...3600), default: .int(4), doc: "seconds to wait for a reply (patterns 0/1)"),
            OptionSpec("subscriber_timeout", .int(1...86400),
                       doc: receiver ? "seconds without frames after which the stream ends (pattern 2)" : "no effect on a sender (vidgear: receiver only)"),
            OptionSpec("bind", endpointList,
                       doc: receiver ? "endpoint(s) to bind instead of address/port, e.g. tcp://*:5454"
                                     : "endpoint(s) to bind so that any number of receivers can connect (fan-out); this side becomes the CURVE server"),
            OptionSpec("connect", endpointList,
                       doc: receiver ? "endpoint(s) of a binding sender to connect to (fan-out client); this side becomes the CURVE client"
                                     : "endpoint(s) to connect to instead of address/port"),
            OptionSpec("metadata", .bool, default: .bool(true),
                       doc: "carry frame sequence numbers and capture times in 'message' (turn off for strict vidgear peers)"),
            OptionSpec("hwm", .int(1...100_000), doc: "ZeroMQ high-water mark in messages (default 1 for vidgear-style PUB/SUB, 8 when binding for fan-out)"),
            OptionSpec("ssh_tunnel_mode", .string, doc: "not supported: use `ssh -L` outside media-router"),
            OptionSpec("ssh_tunnel_pwd", .string, doc: "not supported (see ssh_tunnel_mode)"),
            OptionSpec("ssh_tunnel_keyfile", .string, doc: "not supported (see ssh_tunnel_mode)"),
            OptionSpec("flag", .int(0...1), doc: "pyzmq send/recv flag; accepted for compatibility, no effect"),
            OptionSpec("copy", .bool, doc: "pyzmq copy flag; accepted for compatibility, no effect (frames are never copied)"),
            OptionSpec("track", .bool, doc: "pyzmq track flag; accepted for compatibility, no effect"),
        ]
    }

    static let senderExtras: [OptionSpec] = [
        OptionSpec("message", .json, doc: "extra JSON to send with every frame in 'message' (merged with frame metadata)"),
        OptionSpec("jpeg_threads", .int(0...64), default: .int(0),
                   doc: "with jpeg_compression: 0 encodes each frame on the sender's own thread, as vidgear does (lowest latency); N encodes on N threads ahead of sending, in order (throughput, e.g. 2 on a 2-core machine)"),
    ]

    static let receiverExtras: [OptionSpec] = [
        OptionSpec("return_data", .json, doc: "JSON returned to the sender with each reply in bidirectional or multi-client mode"),
        OptionSpec("on_terminate", .choice(["end", "continue"]),
                   doc: "what a sender's terminate message does: end the stream (default when binding, as in vidgear) or continue waiting (default when connecting)"),
        OptionSpec("max_frame_size", .byteSize, default: .bytes(64_000_000), doc: "largest message accepted; larger ones are dropped and counted"),
    ]

    /// Checks what vidgear rejects, and more, with each error at the option that causes it.
    static func validate(_ o: NodeOptions, side: NetGearConfig.Side, into d: inout Diagnostics) {
        let pattern = Int(o.string("pattern") ?? "0") ?? 0
        let kind = o.kind
        if o.bool("multiserver_mode") && pattern == 0 {
            d.error("multiserver_mode needs pattern 1 or 2, not 0 (as in vidgear)", at: o.location(of: o.isSet("pattern") ? "pattern" : "multiserver_mode"))
        }
        if o.bool("multiclient_mode") && pattern == 0 {
            d.error("multiclient_mode needs pattern 1 or 2, not 0 (as in vidgear)", at: o.location(of: o.isSet("pattern") ? "pattern" : "multiclient_mode"))
        }
        if o.bool("multiserver_mode") && o.bool("multiclient_mode") {
            d.error("multiserver_mode and multiclient_mode cannot both be on", at: o.location(of: "multiclient_mode"))
        }
        if side == .sender, (o.int("jpeg_threads") ?? 0) > 0, case .bool(false)? = o["jpeg_compression"] {
            d.error("jpeg_threads encodes frames for jpeg_compression, which is off", at: o.location(of: "jpeg_threads"))
        }
        if o.bool("bidirectional_mode") && pattern == 2 {
            d.error("bidirectional_mode needs pattern 0 or 1, not 2 (PUB/SUB has no replies)", at: o.location(of: "bidirectional_mode"))
        }
        for name in ["ssh_tunnel_mode", "ssh_tunnel_pwd", "ssh_tunnel_keyfile"] where o.isSet(name) {
            d.error("\(name) is not supported by \(kind): run an SSH tunnel outside (ssh -L PORT:localhost:PORT host) and connect to it", at: o.location(of: name))
        }
        let usesEndpoints = o.isSet("bind") || o.isSet("connect")
        if o.isSet("bind") && o.isSet("connect") {
            d.error("give either 'bind' or 'connect', not both", at: o.location(of: "connect"))
        }
        if usesEndpoints {
            for name in ["address", "port", "protocol"] where o.isSet(name) {
                d.error("'\(name)' cannot be combined with '\(o.isSet("bind") ? "bind" : "connect")'; write the full endpoint instead (e.g. tcp://10.0.0.5:5454)", at: o.location(of: name))
            }
            if o.bool("multiserver_mode") || o.bool("multiclient_mode") {
                d.error("multiserver_mode and multiclient_mode use vidgear's address/port lists, not bind/connect", at: o.location(of: o.isSet("bind") ? "bind" : "connect"))
            }
            for name in ["bind", "connect"] where o.isSet(name) {
                for v in o.list(name) {
                    let ep = v.description
                    if !(ep.hasPrefix("tcp://") || ep.hasPrefix("ipc://") || ep.hasPrefix("inproc://")) || ep.count < 8 {
                        d.error("'\(ep)' is not a ZeroMQ endpoint; write tcp://HOST:PORT, ipc:///path or inproc://name", at: o.location(of: name))
                    } else if ep.hasPrefix("tcp://"), let problem = tcpEndpointProblem(ep, binds: name == "bind") {
                        d.error(problem, at: o.location(of: name))
                    }
                }
            }
        }
        if o.isSet("port") && !usesEndpoints && (o.string("protocol") ?? "tcp") == "tcp" {
            for port in o.list("port") {
                if let problem = portProblem(port) { d.error(problem, at: o.location(of: "port")) }
            }
        }
        // Ports: a list only in the multi modes, and then required on the right side.
        let portIsList: Bool = { if case .list? = o["port"], o.isSet("port") { return true } else { return false } }()
        let needsList = (side == .receiver && o.bool("multiserver_mode")) || (side == .sender && o.bool("multiclient_mode"))
        if needsList && !portIsList {
            let mode = side == .receiver ? "multiserver_mode" : "multiclient_mode"
            d.error("\(mode) needs 'port' to be a list (one port per \(side == .receiver ? "sender" : "receiver")), e.g. port: [5566, 5567]", at: o.location(of: o.isSet("port") ? "port" : mode))
        }
        if portIsList && !needsList {
            d.error("'port' is a list, which only multi\(side == .receiver ? "server" : "client")_mode accepts on \(kind)", at: o.location(of: "port"))
        }
        if (side == .sender && o.bool("multiserver_mode") || side == .receiver && o.bool("multiclient_mode")) && !o.isSet("port") {
            d.error("\(side == .sender ? "multiserver_mode" : "multiclient_mode") needs this node's own unique 'port'", at: o.location)
        }
        if o.string("protocol") == "ipc" && !usesEndpoints && (!o.isSet("address") || o.string("address") == "*" || o.string("address") == "localhost") {
            d.error("ipc needs the same explicit 'address' (a path such as /tmp/netgear) on both ends; with vidgear's defaults the two ends would use different paths", at: o.location(of: o.isSet("address") ? "address" : "protocol"))
        }
        if pattern == 2 {
            for name in ["max_retries", "request_timeout"] where o.isSet(name) {
                d.warning("'\(name)' has no effect with pattern 2", at: o.location(of: name))
            }
        } else if o.isSet("subscriber_timeout") {
            d.warning("'subscriber_timeout' only applies to pattern 2", at: o.location(of: "subscriber_timeout"))
        }
        if side == .receiver && o.isSet("overwrite_cert") && o.bool("overwrite_cert") {
            d.warning("overwrite_cert has no effect on a receiver (vidgear forces it off there)", at: o.location(of: "overwrite_cert"))
        }
        NetGearKeys.validateKeyFolder(o, side: side, into: &d)
        let secure = Int(o.string("secure_mode") ?? "0") ?? 0
        if secure == 0 {
            for name in ["custom_cert_location", "overwrite_cert"] where o.isSet(name) {
                d.warning("'\(name)' has no effect without secure_mode", at: o.location(of: name))
            }
        }
    }
}

extension NetGearOptions {
    /// What is wrong with a TCP port given as `port:`, or nil. Ports outside 1...65535 would not
    /// fail later: the kernel takes them modulo 65536, and libzmq reads 0 as "any free port".
    static func portProblem(_ value: OptionValue) -> String? {
        switch value {
        case .int(let n):
            return portRange.contains(n) ? nil : "port \(n) is out of range \(portRange.lowerBound)...\(portRange.upperBound)"
        case .string(let s):
            let text = s.trimmingCharacters(in: .whitespaces)
            if let n = Int(text) { return portProblem(.int(n)) }
            if let d = Double(text), d.isFinite {
                return "port '\(s)' is not a whole number: give a TCP port from \(portRange.lowerBound) to \(portRange.upperBound)"
            }
            return "port '\(s)' is not a number: give a TCP port from \(portRange.lowerBound) to \(portRange.upperBound)"
        default:
            return "port \(value) is not a number: give a TCP port from \(portRange.lowerBound) to \(portRange.upperBound)"
        }
    }

    /// What is wrong with the port of a `tcp://HOST:PORT` endpoint, or nil. `*` asks libzmq for
    /// any free port: useful when binding (the log names the port chosen), meaningless when
    /// connecting, which libzmq refuses.
    static func tcpEndpointProblem(_ endpoint: String, binds: Bool) -> String? {
        guard let colon = endpoint.lastIndex(of: ":"), colon > endpoint.index(endpoint.startIndex, offsetBy: 5) else {
            return "'\(endpoint)' needs a port, e.g. tcp://*:5454"
        }
        let port = endpoint[endpoint.index(after: colon)...]
        if port == "*" {
            return binds ? nil : "'\(endpoint)': a connecting node needs the peer's port (\(portRange.lowerBound)...\(portRange.upperBound)); * (any free port) is for bind only"
        }
        guard !port.isEmpty, port.allSatisfy({ $0.isASCII && $0.isNumber }) || (port.first == "-" && port.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber }) && port.count > 1) else {
            return "'\(endpoint)' needs a port, e.g. tcp://*:5454"
        }
        guard let n = Int(port), portRange.contains(n) else {
            return "'\(endpoint)': port \(port) is out of range \(portRange.lowerBound)...\(portRange.upperBound)"
        }
        return nil
    }
}

extension NetGearOptions {
    /// The endpoints a binding node holds: a TCP port on an address (all of them for `*`), an
    /// ipc path, an inproc name. Ports left to libzmq (`*`) never clash.
    static func claims(_ o: NodeOptions, side: NetGearConfig.Side) -> [ResourceClaim] {
        let config = NetGearConfig(o, side: side)
        guard config.binds else { return [] }
        let location = o.location(of: o.isSet("bind") ? "bind" : "port")
        return config.endpoints.compactMap { endpoint -> ResourceClaim? in
            let use = "binds \(endpoint)"
            if endpoint.hasPrefix("tcp://") {
                let rest = endpoint.dropFirst("tcp://".count)
                guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]),
                      portRange.contains(port) else { return nil }
                var host = String(rest[..<colon])
                if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
                let everywhere = ["*", "", "0.0.0.0", "::"].contains(host)
                return ResourceClaim(resource: "TCP port \(port)", scope: everywhere ? nil : host, use: use, location: location)
            }
            for scheme in ["ipc", "inproc"] where endpoint.hasPrefix(scheme + "://") {
                let name = endpoint.dropFirst(scheme.count + 3)
                guard name != "*" else { return nil }
                return ResourceClaim(resource: "\(scheme) endpoint \(name)", use: use, location: location)
            }
            return nil
        }
    }
}

/// Resolved settings of one NetGear node.
struct NetGearConfig: Sendable {
    enum Side: Sendable { case sender, receiver }

    var side: Side
    var pattern: Int
    var secureMode: Int
    var binds: Bool
    var endpoints: [String]
    var multiserver: Bool
    var multiclient: Bool
    var bidirectional: Bool
    /// The port this node tags its messages with (multi-server sender, multi-client receiver).
    var portTag: JSONValue?
    /// The ports a multi-server receiver binds, one per sender (as vidgear's port list).
    var multiserverPorts: [String] = []
    var certLocation: String?
    var overwriteCert: Bool
    var jpegEnabled: Bool
    var jpegColorspace: String?
    var jpegQuality: Int
    var fastDCT: Bool
    var fastUpsample: Bool
    var jpegThreads: Int
    var maxRetries: Int?
    var requestTimeout: Double
    var subscriberTimeout: Double?
    var hwm: Int
    var carryMetadata: Bool
    var extraMessage: JSONValue?
    var returnData: JSONValue
    var endOnTerminate: Bool
    var maxFrameBytes: Int

    init(_ o: NodeOptions, side: Side) {
        self.side = side
        pattern = Int(o.string("pattern") ?? "0") ?? 0
        secureMode = Int(o.string("secure_mode") ?? "0") ?? 0
        multiserver = o.bool("multiserver_mode")
        multiclient = o.bool("multiclient_mode")
        bidirectional = o.bool("bidirectional_mode")
        certLocation = o.path("custom_cert_location")
        overwriteCert = side == .sender && o.bool("overwrite_cert")
        switch o["jpeg_compression"] {
        case .bool(let b)?: jpegEnabled = b; jpegColorspace = nil
        case .string(let s)?: jpegEnabled = true; jpegColorspace = s.uppercased()
        default: jpegEnabled = true; jpegColorspace = nil
        }
        jpegQuality = o.int("jpeg_compression_quality") ?? 90
        fastDCT = o.isSet("jpeg_compression_fastdct") ? o.bool("jpeg_compression_fastdct") : true
        fastUpsample = o.bool("jpeg_compression_fastupsample")
        jpegThreads = side == .sender && jpegEnabled ? (o.int("jpeg_threads") ?? 0) : 0
        maxRetries = o.int("max_retries")
        requestTimeout = Double(o.int("request_timeout") ?? 4)
        subscriberTimeout = o.int("subscriber_timeout").map(Double.init)
        carryMetadata = o.isSet("metadata") ? o.bool("metadata") : true
        extraMessage = o.isSet("message") ? o.json("message") : nil
        returnData = o.json("return_data") ?? .null
        maxFrameBytes = Int(o.bytes("max_frame_size") ?? 64_000_000)

        let proto = o.string("protocol") ?? "tcp"
        let ports: [String] = o.list("port").map { $0.description }
        if o.isSet("bind") {
            binds = true
            endpoints = o.list("bind").map(\.description)
        } else if o.isSet("connect") {
            binds = false
            endpoints = o.list("connect").map(\.description)
        } else {
            binds = side == .receiver
            let address = o.string("address") ?? (side == .receiver ? "*" : "localhost")
            let useAll = (side == .receiver && multiserver) || (side == .sender && multiclient)
            let chosen = useAll ? ports : [ports.first ?? "5555"]
            endpoints = chosen.map { "\(proto)://\(address):\($0)" }
        }
        if (side == .sender && multiserver) || (side == .receiver && multiclient) {
            portTag = o["port"]?.json
        }
        if side == .receiver && multiserver {
            multiserverPorts = ports
        }
        // vidgear's PUB/SUB uses a high-water mark of 1, but a CURVE-server SUB with RCVHWM 1
        // never delivers a frame behind a ZAP handler (seen with libzmq 4.3.4 and 4.3.5), and a
        // fan-out binder needs room for bursts. Freshness comes from our drop-oldest queues, so
        // small queues here cost no latency.
        if let h = o.int("hwm") {
            hwm = h
        } else if pattern == 2 {
            hwm = (binds && side == .sender) || secureMode > 0 ? 8 : 2
        } else {
            hwm = 1000
        }
        if let choice = o.string("on_terminate"), o.isSet("on_terminate") {
            endOnTerminate = choice == "end"
        } else {
            endOnTerminate = binds || side == .sender
        }
    }

    /// True when this node's socket is a CURVE server (the binding side, as in vidgear).
    var isCurveServer: Bool { secureMode > 0 && binds }
}
