import BuiltInPlugins
import Foundation
import MediaRouter
import TestSupport
import ZeroMQ

let registry = NodeRegistry(plugins: builtInPlugins + [CollectSinkPlugin.self, IndexedSourcePlugin.self], converters: builtInConverters)

/// A key folder for tests: vidgear's layout, server and client pairs.
func makeKeys(_ label: String = "keys") throws -> String {
    let dir = TestPaths.temporaryDirectory("ng-\(label)")
    _ = try VidgearKeyStore(customCertLocation: dir).ensureKeys(overwrite: true)
    return dir
}

/// A unique name for collected frames.
func uniqueKey(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8))" }

/// Options shared by both ends for a secure mode.
func secureOptions(_ mode: Int, keys: String?) -> String {
    guard mode > 0, let keys else { return "" }
    return "secure_mode: \(mode)\n    custom_cert_location: \(keys)\n"
}
