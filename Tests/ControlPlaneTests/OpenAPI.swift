import Foundation
import TestSupport
import Yams

/// The repository's OpenAPI file (docs/openapi.yaml), and a check of JSON responses against
/// its schemas: types, required properties, enums, items, additionalProperties, $ref.
struct OpenAPI {
    let root: [String: Any]

    struct Mismatch: Error, CustomStringConvertible {
        var description: String
    }

    static func load() throws -> OpenAPI {
        let path = TestPaths.root + "/docs/openapi.yaml"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        guard let root = try Yams.load(yaml: text) as? [String: Any] else { throw Mismatch(description: "\(path) is not a mapping") }
        return OpenAPI(root: root)
    }

    func resolve(_ schema: [String: Any]) throws -> [String: Any] {
        guard let ref = schema["$ref"] as? String else { return schema }
        var node: Any = root
        for part in ref.dropFirst(2).split(separator: "/") {
            guard let next = (node as? [String: Any])?[String(part)] else { throw Mismatch(description: "unresolved \(ref)") }
            node = next
        }
        guard let resolved = node as? [String: Any] else { throw Mismatch(description: "\(ref) is not a mapping") }
        return try resolve(resolved)
    }

    /// Checks a reply: its status is documented for the operation, and a JSON body matches the schema.
    func check(_ reply: LiveServer.Reply, path: String, method: String) throws {
        guard let op = ((root["paths"] as? [String: Any])?[path] as? [String: Any])?[method] as? [String: Any] else {
            throw Mismatch(description: "\(method) \(path) is not in the OpenAPI file")
        }
        guard var response = (op["responses"] as? [String: Any])?[String(reply.status)] as? [String: Any] else {
            throw Mismatch(description: "\(method) \(path) does not document status \(reply.status)")
        }
        response = try resolve(response)
        guard let content = response["content"] as? [String: Any] else { return }
        guard let json = content["application/json"] as? [String: Any], let schema = json["schema"] as? [String: Any] else { return }
        try validate(try reply.json(), against: schema, at: "\(method) \(path) \(reply.status)")
    }

    func validate(_ value: Any, against raw: [String: Any], at place: String) throws {
        let schema = try resolve(raw)
        if let type = schema["type"] as? String {
            let ok: Bool
            switch type {
            case "object": ok = value is [String: Any]
            case "array": ok = value is [Any]
            case "string": ok = value is String
            case "boolean": ok = value is Bool || value is NSNumber
            case "integer": ok = (value as? NSNumber).map { $0.doubleValue == $0.doubleValue.rounded() } ?? false
            case "number": ok = value is NSNumber
            default: ok = true
            }
            if !ok { throw Mismatch(description: "\(place): expected \(type), found \(value)") }
        }
        if let e = schema["enum"] as? [Any], let s = value as? String, !e.contains(where: { ($0 as? String) == s }) {
            throw Mismatch(description: "\(place): '\(s)' is not one of \(e)")
        }
        if let object = value as? [String: Any] {
            for key in schema["required"] as? [String] ?? [] where object[key] == nil {
                throw Mismatch(description: "\(place): missing required '\(key)' in \(object.keys.sorted())")
            }
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for (key, v) in object {
                if let p = properties[key] as? [String: Any] {
                    try validate(v, against: p, at: "\(place).\(key)")
                } else if let extra = schema["additionalProperties"] as? [String: Any] {
                    try validate(v, against: extra, at: "\(place).\(key)")
                }
            }
        }
        if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
            for (i, v) in array.enumerated() { try validate(v, against: items, at: "\(place)[\(i)]") }
        }
    }
}
