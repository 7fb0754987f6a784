import Foundation
import Logging
import MediaRouter
import Synchronization
import ZeroMQ

/// The process's ZAP authenticator and which NetGear node owns each ZAP domain, so that every
/// decision is logged by the node it concerns (with the client key's fingerprint, never a
/// secret) and revocations reach the node that must cut its sessions.
final class NetGearSecurity: Sendable {
    static let shared = NetGearSecurity()

    struct Owner: Sendable {
        var logger: Logger
        var counters: NodeCounters
        var onRevoked: @Sendable ([CurveKey]) -> Void
        /// Called on the authenticator's thread with each client it admits, before libzmq
        /// reports the handshake: the socket's `PeerWatcher` names the peer by it.
        var onAdmitted: @Sendable (ZAPDecision) -> Void = { _ in }
    }

    private let owners = Mutex<[String: Owner]>([:])
    private let authenticator = Mutex<ZAPAuthenticator?>(nil)
    /// When each refused key was last logged, per domain, and how many refusals went unlogged
    /// since: a client that keeps reconnecting must not flood the log.
    private let refusalLog = Mutex<[String: LogThrottle]>([:])

    /// Registers a CURVE server socket's domain and policy, starting the authenticator once.
    func register(domain: String, policy: ZAPPolicy, owner: Owner) throws {
        owners.withLock { $0[domain] = owner }
        try authenticator.withLock { auth in
            if auth == nil {
                let a = ZAPAuthenticator(
                    context: .shared,
                    onDecision: { [weak self] decision in self?.decided(decision) },
                    onRevoked: { [weak self] domain, keys in self?.revoked(domain, keys) },
                    onKeyFileProblem: { [weak self] problem in self?.keyFileProblem(problem) })
                try a.start()
                auth = a
            }
            auth?.setPolicy(policy, forDomain: domain)
        }
    }

    func unregister(domain: String) {
        owners.withLock { $0[domain] = nil }
        refusalLog.withLock { log in log = log.filter { !$0.key.hasPrefix(domain + " ") } }
        authenticator.withLock { $0?.setPolicy(nil, forDomain: domain) }
    }

    private func decided(_ d: ZAPDecision) {
        guard let owner = owners.withLock({ $0[d.domain] }) else { return }
        let who = d.fingerprint ?? "no key"
        if d.accepted {
            owner.counters.add("auth_accepted")
            owner.onAdmitted(d)
            owner.logger.info("client \(who) at \(d.address) authenticated")
        } else {
            owner.counters.add("auth_denied")
            let unlogged: Int? = refusalLog.withLock { log in
                // Clients choose their keys: bounded, so that made-up keys cannot grow it.
                if log.count > 4096 { log.removeAll() }
                return log[d.domain + " " + who, default: LogThrottle()].admit()
            }
            if let unlogged {
                let also = unlogged > 0 ? " (and \(unlogged) more times since the last message)" : ""
                owner.logger.warning("refused client \(who) at \(d.address): \(d.reason)\(also)")
            }
        }
    }

    private func revoked(_ domain: String, _ keys: [CurveKey]) {
        guard let owner = owners.withLock({ $0[domain] }) else { return }
        owner.logger.warning("client key\(keys.count > 1 ? "s" : "") \(keys.map(\.fingerprint).joined(separator: ", ")) revoked: cutting sessions")
        owner.counters.add("revocations", keys.count)
        owner.onRevoked(keys)
    }

    private func keyFileProblem(_ e: CurveKeyFileError) {
        let all = owners.withLock { Array($0.values) }
        all.first?.logger.warning("allow-list: \(e)")
    }
}

/// Loads keys and makes a socket a CURVE server or client the way vidgear does.
enum NetGearKeys {
    private static let domainSequence = Atomic<Int>(0)

    struct Setup {
        var domain: String?
        var description: String
        var clientFingerprint: String?
        /// The server key a CURVE client expects: its peer's fingerprint.
        var serverFingerprint: String?
    }

    static func configure(_ socket: ZMQSocket, config: NetGearConfig, nodeName: String, logger: Logger) throws -> Setup {
        let store: VidgearKeyStore
        do {
            store = try VidgearKeyStore(customCertLocation: config.certLocation)
        } catch {
            throw RouterError(.security, cause: error)
        }
        let mode = config.secureMode == 2 ? "IronHouse" : "StoneHouse"
        if config.isCurveServer {
            do {
                try prepareKeys(store, overwrite: config.overwriteCert, logger: logger)
                let pair = try store.serverKeyPair()
                try socket.configureCurveServer(pair)
                // One domain per socket, not per node name: graphs in one process (tests, or a
                // node restarting while its old socket closes) may reuse a name, and a shared
                // domain would let one socket's unregister remove the other's policy.
                let domain = "netgear:\(nodeName.prefix(200)):\(domainSequence.add(1, ordering: .relaxed).newValue)"
                try socket.setOption(.zapDomain, domain)
                var text = "\(mode) CURVE server, key \(pair.publicKey.fingerprint)"
                if config.secureMode == 2 {
                    let allowed = (try? store.allowedClientKeys().count) ?? 0
                    text += ", \(allowed) allowed keys in \(store.publicKeysDirectory)"
                }
                return Setup(domain: domain, description: text)
            } catch let e as RouterError {
                throw e
            } catch {
                throw RouterError(.security, cause: error)
            }
        }
        do {
            if config.overwriteCert { try prepareKeys(store, overwrite: true, logger: logger) }
            let client = try store.clientKeyPair()
            let serverKey = try store.serverPublicKey()
            try socket.configureCurveClient(client, serverKey: serverKey)
            return Setup(domain: nil, description: "\(mode) CURVE client, key \(client.publicKey.fingerprint), server key \(serverKey.fingerprint)",
                         clientFingerprint: client.publicKey.fingerprint, serverFingerprint: serverKey.fingerprint)
        } catch {
            throw RouterError(.security, "\(error); a CURVE client needs private_keys/client.key_secret and public_keys/server.key under \(store.keysDirectory) (copy them from the server, or use the folder 'media-router keys add-client' writes)")
        }
    }

    /// Key folders whose keys overwrite_cert replaced in this process.
    private static let overwrittenFolders = Mutex<Set<String>>([])

    /// Makes missing keys, and with `overwrite` new keys, once per process and key folder:
    /// vidgear's overwrite_cert means "new keys at start", and a node's reconnects and
    /// restarts, or a second node using the same folder, must keep the keys its peers were
    /// given. The lock also keeps two nodes from both making missing keys, one replacing the
    /// other's.
    static func prepareKeys(_ store: VidgearKeyStore, overwrite: Bool, logger: Logger) throws {
        let folder = store.canonicalRootDirectory
        try overwrittenFolders.withLock { done in
            let replacing = overwrite && !done.contains(folder)
            guard try store.ensureKeys(overwrite: replacing) else { return }
            if replacing { done.insert(folder) }
            let keys = "server \(try store.serverKeyPair().publicKey.fingerprint), client \(try store.clientKeyPair().publicKey.fingerprint)"
            if replacing {
                logger.info("overwrite_cert: made new CurveZMQ keys in \(store.keysDirectory) (\(keys)); they stay until media-router starts again, and peers need copies of them (a vidgear peer: the whole keys folder)")
            } else {
                logger.warning("made new CurveZMQ keys in \(store.keysDirectory) (\(keys)); clients need public_keys/server.key and a client key pair from there")
            }
        }
    }

    /// Reports, at `custom_cert_location`, a key folder this node could not start with: one
    /// that does not exist or is no writable folder (vidgear asserts the same), or, for a
    /// connecting node (a CURVE client), one that lacks the keys it needs, since only a
    /// binding node (the CURVE server) and overwrite_cert make missing keys. The default
    /// location (the home folder) is left to the start, where it is reported too.
    static func validateKeyFolder(_ o: NodeOptions, side: NetGearConfig.Side, into d: inout Diagnostics) {
        guard (Int(o.string("secure_mode") ?? "0") ?? 0) > 0, o.isSet("custom_cert_location"),
              let location = o.path("custom_cert_location") else { return }
        let at = o.location(of: "custom_cert_location")
        let binds = o.isSet("bind") || (!o.isSet("connect") && side == .receiver)
        let makesKeys = binds || (side == .sender && o.bool("overwrite_cert"))
        let generate = "media-router keys generate --location \(location)"
        let clientFix = """
            run `media-router keys add-client NAME --bundle \(location)` where the server's keys are, or make new keys \
            with `\(generate)` and copy \(location)/.vidgear to the server (a vidgear receiver)
            """
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: location, isDirectory: &isFolder) else {
            let fix = makesKeys ? "make it and its keys with `\(generate)`"
                : "this connecting node (a CURVE client) needs the keys of the server it connects to: \(clientFix)"
            d.error("custom_cert_location: the key folder \(location) does not exist; \(fix)", at: at)
            return
        }
        guard isFolder.boolValue else {
            d.error("custom_cert_location: \(location) is not a folder; give the folder that holds .vidgear/keys", at: at)
            return
        }
        let store: VidgearKeyStore
        do {
            store = try VidgearKeyStore(customCertLocation: location)
        } catch {
            d.error("custom_cert_location: \(error)", at: at)
            return
        }
        if makesKeys { return }
        let needed = [store.secretKeyPath("client"), store.publicKeyPath("server")]
        let missing = needed.filter { !FileManager.default.fileExists(atPath: $0) }
        if missing.isEmpty { return }
        let names = missing.map { String($0.dropFirst(store.keysDirectory.count + 1)) }.joined(separator: " and ")
        d.error("""
            custom_cert_location: the key folder \(store.keysDirectory) lacks \(names), which this connecting node (a CURVE \
            client) needs and does not make: \(clientFix)
            """, at: at)
    }

    static func policy(for config: NetGearConfig, nodeName: String) throws -> ZAPPolicy {
        if config.secureMode == 2 {
            let store = try VidgearKeyStore(customCertLocation: config.certLocation)
            return .allowList(directory: store.publicKeysDirectory)
        }
        return .allowAny
    }
}
