#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
internal import Primitives

/// A ZAP handler (RFC 27, ZAP 1.0) deciding which CURVE clients may connect to the CURVE
/// server sockets of one context, per ZAP domain.
///
/// It binds `inproc://zeromq.zap.01` in its context and answers on a thread of its own
/// (never a Swift task). libzmq asks it during each handshake of a CURVE (or PLAIN) server
/// socket, with the socket's ``ZMQSocketOption/zapDomain``, or `""` when the socket sets none
/// (vidgear sets none); a NULL-mechanism socket asks only when it sets a domain.
///
/// ```swift
/// let auth = ZAPAuthenticator(context: .shared,
///                             defaultPolicy: .allowList(directory: store.publicKeysDirectory),
///                             onDecision: { d in if !d.accepted { log.warning("\(d)") } },
///                             onRevoked: { domain, keys in rebindServerSocket() })
/// try auth.start()
/// ```
///
/// For allow-list domains it remembers which keys it admitted; when a rescan (at least every
/// `rescanInterval` ms, and before every decision) finds an admitted key gone from the folder,
/// `onRevoked` reports it once. libzmq cannot drop one peer of a socket, so the owner cuts
/// those sessions itself, e.g. by unbinding and rebinding the server socket's endpoint, which
/// closes every connection accepted through it; clients reconnect and handshake again (see
/// ``ZMQSocket/rebind(_:timeout:)``; do it on the socket's own thread, e.g. by setting a flag
/// in `onRevoked`). Admitted keys are remembered until revoked, even after their client left,
/// so `onRevoked` may name a key that has no session any more.
///
/// libzmq 4.3 treats a refusal as final for that connection: the refused client does not
/// retry on its own, so a key added to the allow-list later is used when the client connects
/// again (a new socket, or disconnect and connect).
///
/// Callbacks run on the authenticator thread, one at a time, before the handshake continues:
/// keep them short.
public final class ZAPAuthenticator: Sendable {
    /// The endpoint libzmq sends ZAP requests to, fixed by RFC 27.
    public static let endpoint = "inproc://zeromq.zap.01"

    /// The context whose sockets this authenticator serves.
    public let context: ZMQContext
    private let worker: Worker

    /// Creates an authenticator; nothing happens until ``start()``.
    ///
    /// - Parameters:
    ///   - policies: The policy of each ZAP domain.
    ///   - defaultPolicy: The policy of domains not in `policies`, including `""` (sockets
    ///     without a ZAP domain). Requests for a domain without any policy are refused.
    ///   - rescanInterval: Milliseconds between checks of allow-list folders for revoked keys.
    ///   - onDecision: Called with every decision, accepted or not.
    ///   - onRevoked: Called with the admitted keys of a domain that are no longer allowed.
    ///   - onKeyFileProblem: Called with each unreadable file found when re-reading an
    ///     allow-list folder (its key is then not allowed).
    public init(context: ZMQContext,
                policies: [String: ZAPPolicy] = [:],
                defaultPolicy: ZAPPolicy? = nil,
                rescanInterval: Int = 250,
                onDecision: (@Sendable (ZAPDecision) -> Void)? = nil,
                onRevoked: (@Sendable (_ domain: String, _ keys: [CurveKey]) -> Void)? = nil,
                onKeyFileProblem: (@Sendable (CurveKeyFileError) -> Void)? = nil) {
        self.context = context
        self.worker = Worker(context: context,
                             configuration: .init(policies: policies, defaultPolicy: defaultPolicy),
                             rescanInterval: max(1, rescanInterval),
                             callbacks: .init(onDecision: onDecision, onRevoked: onRevoked, onKeyFileProblem: onKeyFileProblem))
    }

    deinit {
        worker.stop()
    }

    /// Binds the ZAP endpoint and starts the authenticator thread; returns once it serves.
    ///
    /// Throws ``ZAPAuthenticatorError`` with ``ZAPAuthenticatorError/Code/alreadyRunning`` when
    /// the context already has a ZAP handler, and ``ZAPAuthenticatorError/Code/alreadyStarted``
    /// on a second call (an authenticator runs once; create a new one after ``stop()``).
    public func start() throws {
        try worker.start()
    }

    /// Stops the thread and unbinds the endpoint; returns once the thread has ended. Safe to
    /// call repeatedly, from any thread, including from a callback. The thread also ends by
    /// itself when the context is shut down.
    ///
    /// With no ZAP handler bound, libzmq lets every client with the right server key in.
    public func stop() {
        worker.stop()
    }

    /// Whether the thread is serving requests.
    public var isRunning: Bool { worker.isRunning }

    /// Sets (or, with nil, removes) the policy of one domain. Applies from the next request;
    /// admitted keys that the new policy refuses are reported through `onRevoked`.
    public func setPolicy(_ policy: ZAPPolicy?, forDomain domain: String) {
        worker.configuration.withLock { $0.policies[domain] = policy }
    }

    /// Sets the policy of domains without their own (nil refuses them).
    public func setDefaultPolicy(_ policy: ZAPPolicy?) {
        worker.configuration.withLock { $0.defaultPolicy = policy }
    }

    /// The policy that applies to `domain` now.
    public func policy(forDomain domain: String) -> ZAPPolicy? {
        worker.configuration.withLock { $0.policy(for: domain) }
    }

    /// The allow-list keys admitted in `domain` and not revoked since.
    public func admittedKeys(inDomain domain: String) -> Set<CurveKey> {
        worker.admitted.withLock { $0[domain] ?? [] }
    }
}

extension ZAPAuthenticator {
    struct Configuration: Sendable {
        var policies: [String: ZAPPolicy]
        var defaultPolicy: ZAPPolicy?

        func policy(for domain: String) -> ZAPPolicy? {
            if domain == ZAPPolicy.plaintextDomain { return .allowPlaintext }
            return policies[domain] ?? defaultPolicy
        }
    }

    struct Callbacks: Sendable {
        var onDecision: (@Sendable (ZAPDecision) -> Void)?
        var onRevoked: (@Sendable (String, [CurveKey]) -> Void)?
        var onKeyFileProblem: (@Sendable (CurveKeyFileError) -> Void)?
    }

    enum Phase: Sendable {
        case idle, running, stopped
    }

    /// The state shared between the public object and the authenticator thread. Kept apart
    /// from ``ZAPAuthenticator`` so that the thread does not keep the public object alive and
    /// its `deinit` can stop the thread.
    final class Worker: Sendable {
        let context: ZMQContext
        let configuration: Locked<Configuration>
        let admitted = Locked<[String: Set<CurveKey>]>([:])
        let rescanInterval: Int
        let callbacks: Callbacks
        private let phase = Locked(Phase.idle)
        private let workerThread = Locked<ObjectIdentifier?>(nil)
        private let finished = DispatchGroup()
        /// A pipe polled next to the ZAP socket, so that stop() wakes the thread at once
        /// without using the context (which may already be shut down).
        private let wakeReader: Int32
        private let wakeWriter: Int32

        init(context: ZMQContext, configuration: Configuration, rescanInterval: Int, callbacks: Callbacks) {
            self.context = context
            self.configuration = Locked(configuration)
            self.rescanInterval = rescanInterval
            self.callbacks = callbacks
            var fds: [Int32] = [-1, -1]
            let rc = fds.withUnsafeMutableBufferPointer { pipe($0.baseAddress!) }
            precondition(rc == 0, "pipe() failed: \(String(cString: strerror(errno)))")
            for fd in fds {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            }
            wakeReader = fds[0]
            wakeWriter = fds[1]
        }

        deinit {
            close(wakeReader)
            close(wakeWriter)
        }

        var isRunning: Bool { phase.withLock { $0 == .running } }

        func start() throws {
            try phase.withLock { phase in
                guard phase == .idle else {
                    throw ZAPAuthenticatorError(code: .alreadyStarted,
                                                message: "this ZAPAuthenticator was already started; create a new one to start again")
                }
                phase = .running
            }
            let startup = Locked<Result<Void, ZAPAuthenticatorError>?>(nil)
            let ready = DispatchSemaphore(value: 0)
            finished.enter()
            let thread = Thread { [self] in
                workerThread.withLock { $0 = ObjectIdentifier(Thread.current) }
                defer {
                    phase.withLock { $0 = .stopped }
                    finished.leave()
                }
                let socket: ZMQSocket
                do {
                    socket = try bindHandlerSocket()
                } catch {
                    startup.withLock { $0 = .failure(error as? ZAPAuthenticatorError ?? Self.startFailure(error)) }
                    ready.signal()
                    return
                }
                startup.withLock { $0 = .success(()) }
                ready.signal()
                serve(socket)
                // Closing alone frees the endpoint later, in libzmq's reaper thread; unbinding
                // frees it now, so a new authenticator can start as soon as stop() returns.
                try? socket.unbind(ZAPAuthenticator.endpoint)
                socket.close(linger: 0)
            }
            thread.name = "ZAP authenticator"
            thread.start()
            ready.wait()
            if case .failure(let error)? = startup.withLock({ $0 }) {
                finished.wait()
                throw error
            }
        }

        func stop() {
            let shouldWait = phase.withLock { phase -> Bool in
                switch phase {
                case .idle:
                    phase = .stopped
                    return false
                case .running:
                    return true
                case .stopped:
                    return false
                }
            }
            guard shouldWait else { return }
            var byte: UInt8 = 1
            _ = write(wakeWriter, &byte, 1)
            // From a callback the thread would wait for itself; it stops after the callback.
            let onWorkerThread = workerThread.withLock { $0 == ObjectIdentifier(Thread.current) }
            if !onWorkerThread {
                finished.wait()
            }
        }

        private func bindHandlerSocket() throws -> ZMQSocket {
            let socket = try ZMQSocket(context: context, type: .rep)
            try socket.setOption(.linger, 0)
            do {
                try socket.bind(ZAPAuthenticator.endpoint)
            } catch let error as ZMQError where error.code == .addressInUse {
                socket.close(linger: 0)
                throw ZAPAuthenticatorError(code: .alreadyRunning, message: """
                    cannot start the ZAP authenticator: \(ZAPAuthenticator.endpoint) is already bound in this \
                    context (address in use). Only one ZAP handler can serve a context; reuse the running \
                    authenticator and change its policies instead.
                    """)
            } catch {
                socket.close(linger: 0)
                throw error
            }
            return socket
        }

        private static func startFailure(_ error: Error) -> ZAPAuthenticatorError {
            ZAPAuthenticatorError(code: .startFailed, message: "cannot start the ZAP authenticator: \(error)")
        }

        /// The authenticator loop: answer requests, and rescan for revoked keys on schedule.
        /// Ends on stop(), on context shutdown, or on an unexpected socket error.
        private func serve(_ socket: ZMQSocket) {
            var folders: [String: AllowListDirectory] = [:]
            var nextRescan = monotonicMilliseconds() + Int64(rescanInterval)
            let items = [ZMQPollItem(socket), ZMQPollItem(fileDescriptor: wakeReader)]
            while true {
                let wait = Int(max(0, nextRescan - monotonicMilliseconds()))
                guard let ready = try? zmqPoll(items, timeout: wait) else { return }
                if ready[1].contains(.pollIn) { return }
                if ready[0].contains(.pollIn) {
                    do {
                        try answerRequest(on: socket, folders: &folders)
                    } catch {
                        return
                    }
                }
                if monotonicMilliseconds() >= nextRescan {
                    reportRevocations(folders: &folders)
                    nextRescan = monotonicMilliseconds() + Int64(rescanInterval)
                }
            }
        }

        private func answerRequest(on socket: ZMQSocket, folders: inout [String: AllowListDirectory]) throws {
            // RFC 27 requests have 6 frames plus credentials (CURVE 1, PLAIN 2); more is junk.
            guard let message = try socket.receiveMultipart(dontWait: true, maxParts: 16) else { return }
            let reply: ZAPReply
            if let request = ZAPRequest(message) {
                let decision = decide(request, folders: &folders)
                callbacks.onDecision?(decision)
                reply = ZAPReply(requestID: request.requestID, decision: decision)
            } else {
                reply = ZAPReply.malformed(requestID: message.count > 1 ? message[1].array : [])
            }
            try reply.send(on: socket)
        }

        private func decide(_ request: ZAPRequest, folders: inout [String: AllowListDirectory]) -> ZAPDecision {
            let policy = configuration.withLock { $0.policy(for: request.domain) }
            func answer(_ accepted: Bool, _ reason: String, name: String? = nil) -> ZAPDecision {
                ZAPDecision(domain: request.domain, address: request.address, mechanism: request.mechanism,
                            clientKey: request.clientKey, accepted: accepted, statusCode: accepted ? 200 : 400, reason: reason,
                            clientName: name)
            }
            guard let policy else {
                return answer(false, "no ZAP policy for domain \"\(request.domain)\"")
            }
            if case .denyAll = policy {
                return answer(false, "the domain denies all clients")
            }
            if case .allowPlaintext = policy {
                return request.mechanism == "NULL" ? answer(true, "a plaintext client") : answer(false, "mechanism \(request.mechanism) refused: this domain is for plaintext clients")
            }
            guard request.mechanism == "CURVE" else {
                return answer(false, "mechanism \(request.mechanism) refused: CURVE is required")
            }
            guard let key = request.clientKey else {
                return answer(false, "malformed CURVE credentials")
            }
            switch policy {
            case .allowAny:
                return answer(true, "any CURVE client is allowed")
            case .allowList(let directory):
                let keys = refreshedFolder(directory, in: &folders)
                guard keys.contains(key) else {
                    return answer(false, "client key not in \(directory)")
                }
                _ = admitted.withLock { $0[request.domain, default: []].insert(key) }
                return answer(true, "client key listed in \(directory)", name: keys.name(of: key))
            case .denyAll, .allowPlaintext:
                return answer(false, "the domain denies all clients")
            }
        }

        private func refreshedFolder(_ directory: String, in folders: inout [String: AllowListDirectory]) -> AllowListDirectory {
            var folder = folders[directory] ?? AllowListDirectory(path: directory)
            if let problems = folder.refresh(), let report = callbacks.onKeyFileProblem {
                problems.forEach(report)
            }
            folders[directory] = folder
            return folder
        }

        /// Finds admitted keys that the current policies no longer allow, forgets them and
        /// reports them once.
        private func reportRevocations(folders: inout [String: AllowListDirectory]) {
            let snapshot = admitted.withLock { $0 }
            let configuration = configuration.withLock { $0 }
            for (domain, keys) in snapshot where !keys.isEmpty {
                let revoked: [CurveKey]
                switch configuration.policy(for: domain) {
                case .allowAny?:
                    revoked = []
                case .allowList(let directory)?:
                    let folder = refreshedFolder(directory, in: &folders)
                    revoked = keys.filter { !folder.contains($0) }
                case .denyAll?, .allowPlaintext?, nil:
                    revoked = Array(keys)
                }
                guard !revoked.isEmpty else { continue }
                admitted.withLock { admitted in
                    admitted[domain]?.subtract(revoked)
                }
                callbacks.onRevoked?(domain, revoked.sorted { $0.z85 < $1.z85 })
            }
        }
    }
}
