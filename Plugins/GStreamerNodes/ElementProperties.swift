import GStreamer
import MediaRouter

/// The `properties:` option every GStreamer node has: `prop: value` sets a property of the node's
/// main element, `element.prop: value` one of a named element. Values are parsed by GStreamer's
/// own deserializers, exactly as gst-launch would parse `prop=value`.
enum ElementProperties {
    static func spec(main: String) -> OptionSpec {
        OptionSpec("properties", .stringMap,
                   doc: "GStreamer element properties as text: 'prop: value' for \(main), 'name.prop: value' for the element called name")
    }

    /// Applies every property; the first failure is thrown with a message for the user.
    /// `withoutMain` says why a plain key has no element to go to, when `mainElement` is nil.
    /// Parses a pipeline description and sets the `properties:` on its elements.
    static func pipeline(_ description: String, properties: [(String, String)], mainElement: String?,
                         withoutMain: String) throws -> Pipeline {
        let pipeline = try Pipeline(description: description)
        try apply(properties, to: pipeline, mainElement: mainElement, withoutMain: withoutMain)
        return pipeline
    }

    static func apply(_ properties: [(String, String)], to pipeline: Pipeline, mainElement: String?,
                      withoutMain: String) throws {
        for (key, value) in properties {
            let elementName: String
            let property: String
            if let dot = key.lastIndex(of: ".") {
                elementName = String(key[..<dot])
                property = String(key[key.index(after: dot)...])
            } else if let mainElement {
                elementName = mainElement
                property = key
            } else {
                throw RouterError(.badInput, "cannot tell which element '\(key)' is for: \(withoutMain); write NAME.\(key) with the element's name")
            }
            let element: Element
            do {
                element = try pipeline.requireElement(named: elementName)
            } catch let error as GStreamerError {
                throw RouterError(.badInput, "'\(key)'", cause: error)
            }
            do {
                try element.setProperty(property, fromString: value)
            } catch let error as GStreamerError {
                throw RouterError(.badInput, cause: error)
            }
        }
    }
}

/// Turns GStreamer's parse errors into messages that say what to install.
enum GStreamerHints {
    /// "x264enc is missing: apt-get install gstreamer1.0-plugins-ugly", for each missing element;
    /// other parse errors without the whole description, which holds elements the user never
    /// wrote.
    static func describe(_ error: Error, description: String? = nil, linkHint: String? = nil) -> String {
        guard let error = error as? GStreamerError else { return "\(error)" }
        if error.code == .missingElements, !error.missingElements.isEmpty {
            return error.missingElements.map(missing).joined(separator: "; ")
        }
        var message = error.message
        if let description, message.hasPrefix("invalid pipeline description '\(description)': ") {
            message = String(message.dropFirst("invalid pipeline description '\(description)': ".count))
        }
        if let linkHint, message.hasPrefix("could not link") { message += "; \(linkHint)" }
        return message
    }

    static func missing(_ element: String) -> String {
        if let package = ElementFactory.debianPackage(forElement: element) {
            return "\(element) is missing: apt-get install \(package)"
        }
        return "no GStreamer element '\(element)' is installed (gst-inspect-1.0 lists the ones that are)"
    }

    /// The missing ones among `elements`, described; nil when all are installed.
    static func checkInstalled(_ elements: [String]) -> String? {
        let missing = elements.filter { !ElementFactory.exists($0) }
        return missing.isEmpty ? nil : missing.map(Self.missing).joined(separator: "; ")
    }
}

/// Frame rates written the way players expect them: 30/1 and 30000/1001 rather than the
/// fraction a nanosecond duration happens to reduce to.
enum FrameRates {
    static func fraction(forFrameDuration ns: Int64) -> Fraction {
        guard ns > 0 else { return Fraction(0, 1) }
        let fps = 1e9 / Double(ns)
        let whole = fps.rounded()
        if whole >= 1, abs(fps - whole) / whole < 0.0002 { return Fraction(Int(whole), 1) }
        // NTSC-style rates: n*1000/1001.
        let ntsc = (fps * 1.001).rounded()
        if ntsc >= 1, abs(fps - ntsc * 1000 / 1001) / fps < 0.0002 { return Fraction(Int(ntsc) * 1000, 1001) }
        var num = Int((fps * 1000).rounded()), den = 1000
        let g = gcd(num, den)
        num /= g
        den /= g
        return num > 0 ? Fraction(num, den) : Fraction(0, 1)
    }

    static func frameDuration(_ rate: Fraction?) -> Int64 {
        guard let rate, rate.numerator > 0, rate.denominator > 0 else { return 0 }
        return Int64((1e9 * Double(rate.denominator) / Double(rate.numerator)).rounded())
    }

    private static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? max(a, 1) : gcd(b, a % b) }
}
