import Foundation
import FrameCodecs
import Logging
import MediaRouter
import Synchronization

/// Checks that the host names a connecting node uses resolve. libzmq resolves a name only when
/// it connects, and when that fails it retries in silence: a mistyped or placeholder name
/// (`origin.example`) looked like a peer that is simply not there. This looks the names up as
/// libzmq does (IPv4, `ZMQ_IPV6` is off), logs the ones that fail with the endpoint, and looks
/// again with a growing wait until they resolve; libzmq keeps retrying the connection meanwhile
/// and connects by itself once the name resolves.
///
/// The lookups run on a thread of their own: one may block for seconds on an unreachable DNS
/// server, which must not hold up a node's socket.
final class HostResolutionWatch: Sendable {
    private let stopped = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)

    static let firstDelay = 1.0
    static let maxDelay = 30.0

    /// The host names (not IP addresses) in `endpoints`, with the first endpoint naming each.
    static func hostNames(in endpoints: [String]) -> [(host: String, endpoint: String)] {
        var out: [(host: String, endpoint: String)] = []
        for endpoint in endpoints where endpoint.hasPrefix("tcp://") {
            var rest = endpoint.dropFirst("tcp://".count)
            // libzmq's tcp://SOURCE;HOST:PORT names the local address first.
            if let semicolon = rest.lastIndex(of: ";") { rest = rest[rest.index(after: semicolon)...] }
            guard let colon = rest.lastIndex(of: ":") else { continue }
            let host = String(rest[..<colon])
            if host.isEmpty || host == "*" || host.hasPrefix("[") || host.contains(":") || isIPv4(host) { continue }
            if !out.contains(where: { $0.host == host }) { out.append((host, endpoint)) }
        }
        return out
    }

    static func isIPv4(_ text: String) -> Bool {
        var address = in_addr()
        return inet_pton(AF_INET, text, &address) == 1
    }

    /// The error text of a failed IPv4 lookup of `host`, or nil when it resolves; `address`
    /// gets the first address found.
    static func lookUp(_ host: String, address: inout String) -> String? {
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, nil, &hints, &result)
        defer { if let result { freeaddrinfo(result) } }
        guard rc == 0, let first = result, let sa = first.pointee.ai_addr else {
            return rc == 0 ? "no IPv4 address" : String(cString: gai_strerror(rc))
        }
        var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
            var a = sin.pointee.sin_addr
            _ = inet_ntop(AF_INET, &a, &text, socklen_t(text.count))
        }
        address = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return nil
    }

    /// Starts watching the names of `endpoints`; nil when they hold none.
    static func start(endpoints: [String], logger: Logger, counters: NodeCounters) -> HostResolutionWatch? {
        let names = hostNames(in: endpoints)
        guard !names.isEmpty else { return nil }
        let watch = HostResolutionWatch()
        let thread = Thread {
            nameCurrentThread("netgear-resolve")
            watch.run(names, logger: logger, counters: counters)
        }
        thread.name = "netgear-resolve"
        thread.start()
        return watch
    }

    func stop() {
        stopped.store(true, ordering: .releasing)
        wake.signal()
    }

    private func run(_ names: [(host: String, endpoint: String)], logger: Logger, counters: NodeCounters) {
        var pending = names
        var failures: [String: Int] = [:]
        var throttles: [String: LogThrottle] = [:]
        var delay = Self.firstDelay
        while !pending.isEmpty && !stopped.load(ordering: .acquiring) {
            pending = pending.filter { name in
                var address = ""
                guard let problem = Self.lookUp(name.host, address: &address) else {
                    if failures[name.host] != nil {
                        logger.info("'\(name.host)' resolves now (\(address)): connecting to \(name.endpoint)")
                    }
                    return false
                }
                counters.add("resolve_failures")
                failures[name.host, default: 0] += 1
                if let held = throttles[name.host, default: LogThrottle()].admit() {
                    let tries = failures[name.host, default: 1]
                    let again = tries > 1 ? " (\(tries) tries\(held > 0 ? ", \(held) not logged" : ""))" : ""
                    logger.warning("cannot resolve '\(name.host)' in \(name.endpoint): \(problem)\(again); still trying, as for a peer that is not up yet — check the name, or use an IP address")
                }
                return true
            }
            if pending.isEmpty { break }
            _ = wake.wait(timeout: .now() + delay)
            delay = min(delay * 2, Self.maxDelay)
        }
    }
}
