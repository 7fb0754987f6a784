import MediaRouter
import Testing

@Suite("JSON")
struct JSONTests {
    @Test func encodesLikePythonJSONDumps() {
        let v: JSONValue = ["terminate_flag": false, "compression": false, "message": ["hello": [1, 2]], "pattern": "0",
                            "dtype": "uint8", "shape": [4, 6, 3]]
        #expect(v.pythonJSONString() == #"{"terminate_flag": false, "compression": false, "message": {"hello": [1, 2]}, "pattern": "0", "dtype": "uint8", "shape": [4, 6, 3]}"#)
        #expect(JSONValue.string("ünï").pythonJSONString() == #""\u00fcn\u00ef""#)
        #expect(JSONValue.string("😀").pythonJSONString() == #""\ud83d\ude00""#)
        #expect(JSONValue.double(.nan).pythonJSONString() == "NaN")
        #expect(JSONValue.double(-.infinity).pythonJSONString() == "-Infinity")
        #expect(JSONValue.double(1.5).pythonJSONString() == "1.5")
        #expect(JSONValue.double(2).pythonJSONString() == "2.0")
    }

    @Test func parsesPythonOutputIncludingNaN() throws {
        let v = try JSONValue.parse(#"{"\u00fcn\u00ef": NaN, "x": [Infinity, -Infinity, 1e3, -2, "a\"b"], "y": null}"#)
        #expect(v["ünï"]?.doubleValue?.isNaN == true)
        #expect(v["x"]?.arrayValue?.count == 5)
        #expect(v["x"]?.arrayValue?[2] == .double(1000))
        #expect(v["x"]?.arrayValue?[3] == .int(-2))
        #expect(v["x"]?.arrayValue?[4] == .string("a\"b"))
        #expect(v["y"] == .null)
    }

    @Test func roundTrips() throws {
        let v: JSONValue = ["a": [1, 2.5, "x", nil, true], "b": ["c": "d"]]
        #expect(try JSONValue.parse(v.pythonJSONString()) == v)
    }

    @Test(arguments: ["", "{", "[1,", #"{"a" 1}"#, "tru", "1 2", #""\u12"#, "[" + String(repeating: "[", count: 200) + "]", "{\"a\":\u{01}}", "-", "01x"])
    func rejectsMalformedInput(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }
}

@Suite("Option values")
struct OptionValueTests {
    @Test func durations() {
        #expect(parseDuration("500ms") == 0.5)
        #expect(parseDuration("10s") == 10)
        #expect(parseDuration("5m") == 300)
        #expect(parseDuration("1h") == 3600)
        #expect(parseDuration("2d") == 172800)
        #expect(parseDuration("1.5") == 1.5)
        #expect(parseDuration("soon") == nil)
    }

    @Test func sizes() {
        #expect(parseByteSize("1000") == 1000)
        #expect(parseByteSize("10MB") == 10_000_000)
        #expect(parseByteSize("2GiB") == Int64(2) << 30)
        #expect(parseByteSize("500kb") == 500_000)
        #expect(parseByteSize("big") == nil)
    }

    @Test func framerates() {
        #expect(parseFramerate("30")! == (30, 1))
        #expect(parseFramerate("30000/1001")! == (30000, 1001))
        #expect(parseFramerate("29.97")! == (30000, 1001))
        #expect(parseFramerate("12.5")! == (12500, 1000))
    }

    @Test func suggestions() {
        #expect(nearest("widht", in: ["width", "height"]) == "width")
        #expect(nearest("qqqq", in: ["width", "height"]) == nil)
    }
}

@Suite("Path options")
struct PathOptionTests {
    @Test("paths are folded textually, relative ones included, so summaries show what a user would type",
          arguments: [
              ("configs/../demo/recordings/x.mkv", "demo/recordings/x.mkv"),
              ("./a//b/./c/", "a/b/c"),
              ("../shared/x", "../shared/x"),
              ("a/../../b", "../b"),
              ("/srv/rec/../cam/%Y/%m.mkv", "/srv/cam/%Y/%m.mkv"),
              ("/../x", "/x"),
              ("a/..", "."),
          ])
    func lexicalNormalization(_ input: String, _ expected: String) {
        #expect(NodeOptions.lexicallyNormalized(input) == expected)
    }
}
