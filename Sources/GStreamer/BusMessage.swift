internal import CGStreamer
internal import CGStreamerShims

/// A message read from a pipeline's bus, copied out of GStreamer so it can travel anywhere.
public enum BusMessage: Hashable, Sendable {
    /// Every sink has received end of stream: the pipeline is done and files are finalized.
    case endOfStream
    /// An element failed; streaming has stopped. `debug` is developer detail (source file,
    /// function, reason) worth logging.
    case error(source: String, message: String, debug: String?)
    /// An element reports a recoverable problem.
    case warning(source: String, message: String, debug: String?)
    /// An element or the pipeline itself (`source` is the pipeline's name) changed state.
    case stateChanged(source: String, old: ElementState, new: ElementState)
    /// An element-specific message, such as splitmuxsink's `splitmuxsink-fragment-closed`
    /// with fields `location` and `running-time`. String fields are given verbatim; other
    /// fields in GStreamer's serialization (`1000000000`, `30/1`, `true`).
    case element(source: String, name: String, fields: [String: String])
    /// A message an application posted with `Bus.postApplicationMessage`.
    case application(source: String, name: String, fields: [String: String])
    /// `Bus.interrupt()` was called.
    case interrupted
    /// Any other message type, by GStreamer's name for it (`latency`, `stream-start`, …).
    case other(type: String, source: String)

    /// Message types to wait for, as a filter for `Bus.nextMessage(timeout:types:)`.
    public struct Kinds: OptionSet, Hashable, Sendable {
        public let rawValue: UInt32

        public init(rawValue: UInt32) {
            self.rawValue = rawValue
        }

        public static let endOfStream = Kinds(GST_MESSAGE_EOS)
        public static let error = Kinds(GST_MESSAGE_ERROR)
        public static let warning = Kinds(GST_MESSAGE_WARNING)
        public static let stateChanged = Kinds(GST_MESSAGE_STATE_CHANGED)
        public static let element = Kinds(GST_MESSAGE_ELEMENT)
        public static let application = Kinds(GST_MESSAGE_APPLICATION)
        /// Every message type, including those reported as `.other`.
        public static let all = Kinds(GST_MESSAGE_ANY)

        private init(_ type: GstMessageType) {
            rawValue = UInt32(bitPattern: type.rawValue)
        }

        var gstMask: GstMessageType { GstMessageType(rawValue: Int32(bitPattern: rawValue)) }
    }
}

extension BusMessage {
    /// Copies what callers need out of a message; does not take ownership of it.
    init(_ message: UnsafeMutablePointer<GstMessage>) {
        let source = String(consumingGString: CGStreamerShims_message_source_name(message)) ?? ""
        switch CGStreamerShims_message_type(message) {
        case GST_MESSAGE_EOS:
            self = .endOfStream
        case GST_MESSAGE_ERROR:
            var error: UnsafeMutablePointer<GError>?
            var debug: UnsafeMutablePointer<gchar>?
            gst_message_parse_error(message, &error, &debug)
            self = .error(source: source, message: GStreamerError.consumeMessage(of: error) ?? "unknown error",
                          debug: String(consumingGString: debug))
        case GST_MESSAGE_WARNING:
            var error: UnsafeMutablePointer<GError>?
            var debug: UnsafeMutablePointer<gchar>?
            gst_message_parse_warning(message, &error, &debug)
            self = .warning(source: source, message: GStreamerError.consumeMessage(of: error) ?? "unknown error",
                            debug: String(consumingGString: debug))
        case GST_MESSAGE_STATE_CHANGED:
            var old = GST_STATE_VOID_PENDING, new = GST_STATE_VOID_PENDING, pending = GST_STATE_VOID_PENDING
            gst_message_parse_state_changed(message, &old, &new, &pending)
            self = .stateChanged(source: source, old: ElementState(old), new: ElementState(new))
        case GST_MESSAGE_ELEMENT:
            let (name, fields) = Self.structure(of: message)
            self = .element(source: source, name: name, fields: fields)
        case GST_MESSAGE_APPLICATION:
            let (name, fields) = Self.structure(of: message)
            self = .application(source: source, name: name, fields: fields)
        default:
            let type = String(borrowingGString: CGStreamerShims_message_type_name(message)) ?? "unknown"
            self = .other(type: type, source: source)
        }
    }

    /// "source: message (debug)" on one line: debug text spans lines, and these errors end up
    /// on one line of a log or a configuration report.
    static func describeError(source: String, message: String, debug: String?) -> String {
        var text = "\(source): \(message)"
        if let debug {
            text += " (\(debug.split(whereSeparator: \.isNewline).joined(separator: " ")))"
        }
        return text
    }

    private static func structure(of message: UnsafeMutablePointer<GstMessage>) -> (String, [String: String]) {
        guard let structure = gst_message_get_structure(message) else { return ("", [:]) }
        return (String(borrowingGString: gst_structure_get_name(structure)) ?? "", StructureFields.read(structure))
    }
}
