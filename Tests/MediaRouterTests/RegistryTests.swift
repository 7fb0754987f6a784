import BuiltInPlugins
import Foundation
import MediaRouter
import Testing
import TestSupport

@Suite("Registry")
struct RegistryTests {
    @Test func kindsAreUniqueAndDeclarationsAreSound() {
        let registry = NodeRegistry.builtIn
        #expect(Set(registry.kinds).count == registry.kinds.count)
        #expect(registry.selfCheck().isEmpty, "\(registry.selfCheck())")
    }

    /// Every type in Plugins/ that adopts NodePlugin must be in the one list.
    @Test func everyPluginTypeIsListed() throws {
        let pluginsDir = TestPaths.root + "/Plugins"
        let listed = Set(builtInPlugins.map { String(describing: $0) })
        var declared: [String] = []
        let enumerator = FileManager.default.enumerator(atPath: pluginsDir)
        let re = try NSRegularExpression(pattern: "(?:struct|final class|class|enum)\\s+(\\w+)\\s*:\\s*(?:[\\w, ]*\\b)?NodePlugin\\b")
        while let rel = enumerator?.nextObject() as? String {
            guard rel.hasSuffix(".swift"), !rel.hasPrefix("BuiltInPlugins") else { continue }
            let text = try String(contentsOfFile: pluginsDir + "/" + rel, encoding: .utf8)
            let ns = text as NSString
            for m in re.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
                declared.append(ns.substring(with: m.range(at: 1)))
            }
        }
        #expect(!declared.isEmpty)
        for name in declared {
            #expect(listed.contains(name), "\(name) adopts NodePlugin but is not listed in BuiltInPlugins")
        }
    }

    @Test func everyKindHasDocumentedOptions() {
        for p in NodeRegistry.builtIn.plugins {
            #expect(!p.summary.isEmpty)
            for o in p.options { #expect(!o.doc.isEmpty, "\(p.kind).\(o.name) has no doc") }
        }
    }

    /// Every example graph in configs/ must validate without errors, except that a checkout
    /// has none of the key folders the secure ones use until `media-router keys` makes them
    /// (as the README and the configs' comments say); those errors must name that command.
    @Test func everyConfigValidates() throws {
        let dir = TestPaths.root + "/configs"
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
        #expect(!files.isEmpty)
        for f in files {
            let r = GraphLoader(registry: .builtIn).load(path: dir + "/" + f)
            let keyFolders = r.diagnostics.errors.filter { $0.message.hasPrefix("custom_cert_location: the key folder ") }
            #expect(keyFolders.allSatisfy { $0.message.contains("media-router keys ") }, "\(f): \(keyFolders.map(\.description))")
            let others = r.diagnostics.errors.filter { !keyFolders.contains($0) }
            #expect(others.isEmpty && (r.graph != nil || !keyFolders.isEmpty), "\(f): \(r.diagnostics.sorted.map(\.description))")
            #expect(r.diagnostics.warnings.isEmpty, "\(f): \(r.diagnostics.warnings.map(\.description))")
        }
    }
}
