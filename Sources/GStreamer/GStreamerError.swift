/// An error from this module: a `code` to switch on and a `message` written for the person
/// who wrote the pipeline description or configuration.
///
/// Shaped like swift-service-lifecycle's errors: a struct with an extensible `Code`, so new
/// codes can be added without breaking exhaustive switches in callers.
public struct GStreamerError: Error, Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What went wrong, in a form callers can match.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Hashable, Sendable {
            case initialization, parse, missingElements, noSuchElement, wrongElementType
            case noSuchProperty, propertyNotWritable, propertyNotReadable, invalidPropertyValue
            case invalidCaps, stateChange, stateChangeTimeout
            case flushing, endOfStream, dataFlow, elementError, timeout
        }

        private let value: Value

        private init(_ value: Value) {
            self.value = value
        }

        /// GStreamer itself could not be initialized.
        public static let initialization = Code(.initialization)
        /// A pipeline description has a syntax error or elements that cannot be linked.
        public static let parse = Code(.parse)
        /// Elements named in a description, or asked of a factory, are not installed; see
        /// `GStreamerError.missingElements`.
        public static let missingElements = Code(.missingElements)
        /// No element with the given name exists in the pipeline.
        public static let noSuchElement = Code(.noSuchElement)
        /// The element is not of the kind the operation needs (an appsink, a splitmuxsink, …).
        public static let wrongElementType = Code(.wrongElementType)
        /// The element has no property of that name; see `validValues` for the ones it has.
        public static let noSuchProperty = Code(.noSuchProperty)
        /// The property is read-only, or can only be set when the element is constructed.
        public static let propertyNotWritable = Code(.propertyNotWritable)
        /// The property cannot be read.
        public static let propertyNotReadable = Code(.propertyNotReadable)
        /// The text does not parse as the property's type, or is out of its range; for
        /// enums and flags `validValues` lists the accepted names.
        public static let invalidPropertyValue = Code(.invalidPropertyValue)
        /// The text is not valid caps.
        public static let invalidCaps = Code(.invalidCaps)
        /// An element refused a state change; the message carries the element's error.
        public static let stateChange = Code(.stateChange)
        /// An asynchronous state change did not complete in time.
        public static let stateChangeTimeout = Code(.stateChangeTimeout)
        /// Data was refused because the element is flushing: the pipeline is stopped or stopping.
        public static let flushing = Code(.flushing)
        /// Data was refused because the element has already seen end of stream.
        public static let endOfStream = Code(.endOfStream)
        /// Any other refusal of data (not negotiated, internal error).
        public static let dataFlow = Code(.dataFlow)
        /// An element posted an ERROR message on the bus while the caller was waiting.
        public static let elementError = Code(.elementError)
        /// A wait on the bus ended without the expected message.
        public static let timeout = Code(.timeout)

        public var description: String { value.rawValue }
    }

    /// What went wrong, to switch on.
    public var code: Code
    /// A complete sentence for humans: names the element, property or file involved.
    public var message: String
    /// Element (factory) names that are not installed, in the order they were met.
    public var missingElements: [String]
    /// The accepted alternatives when a name or value was wrong: property names for
    /// `.noSuchProperty`, enum or flags nicks for `.invalidPropertyValue`.
    public var validValues: [String]

    public init(code: Code, message: String, missingElements: [String] = [], validValues: [String] = []) {
        self.code = code
        self.message = message
        self.missingElements = missingElements
        self.validValues = validValues
    }

    public var description: String { message }

    public var debugDescription: String {
        var text = "GStreamerError(code: \(code), message: \(message)"
        if !missingElements.isEmpty { text += ", missingElements: \(missingElements)" }
        if !validValues.isEmpty { text += ", validValues: \(validValues)" }
        return text + ")"
    }
}
