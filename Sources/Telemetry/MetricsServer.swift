import Foundation
import Hummingbird
import Logging
import NIOCore
import Prometheus

/// `/metrics` (Prometheus text format) and `/health` (JSON) over HTTP, served by
/// Hummingbird on its own event loop while the process's threads do the work.
public final class MetricsServer: Sendable {
    /// What `/health` answers: 200 with the JSON when `healthy`, 503 otherwise.
    public struct Health: Sendable {
        public var healthy: Bool
        public var json: Data
        public init(healthy: Bool, json: Data) {
            self.healthy = healthy
            self.json = json
        }
    }

    /// The port it listens on (the one given, or the system's pick for 0).
    public let port: Int
    private let task: Task<Void, any Error>

    /// Binds `host:port` and serves until `stop()`. Throws `MetricsServerError` when the
    /// address cannot be bound (a port in use), so a run fails at start, not silently.
    public init(host: String, port: Int, registry: PrometheusCollectorRegistry, health: @escaping @Sendable () -> Health) throws {
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        router.get("/health") { _, _ -> Response in
            let h = health()
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: h.healthy ? .ok : .serviceUnavailable, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: h.json)))
        }
        let started = StartSignal()
        var logger = Logger(label: "nanoreasoner.metrics")
        // Quiet: a bind failure is thrown to the caller, and stop() cancels the server, which
        // Hummingbird logs as an error.
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "nanoreasoner"),
                              onServerRunning: { channel in started.finish(.success(channel.localAddress?.port ?? port)) },
                              logger: logger)
        task = Task(executorPreference: ThreadExecutor(name: "nanoreasoner.metrics")) {
            do { try await app.run() } catch { started.finish(.failure(error)); throw error }
        }
        switch started.wait(timeout: 10) {
        case .success(let bound)?:
            self.port = bound
        case .failure(let error)?:
            throw MetricsServerError(host: host, port: port, reason: "\(error)")
        case nil:
            task.cancel()
            throw MetricsServerError(host: host, port: port, reason: "the server did not start within 10 s")
        }
    }

    /// Stops serving (the port is free once the task ends).
    public func stop() {
        task.cancel()
    }

    deinit { task.cancel() }
}

/// The metrics port could not be served.
public struct MetricsServerError: Error, CustomStringConvertible {
    public let host: String
    public let port: Int
    public let reason: String

    public var description: String {
        let inUse = reason.contains("in use") || reason.contains("EADDRINUSE") || reason.contains("errno: 98")
        return "cannot serve metrics on \(host):\(port): " + (inUse ? "the port is in use by another process" : reason)
            + "; choose another with metrics.port (--set metrics.port=N, 0 turns metrics off)"
    }
}

/// A one-shot result handed from the server's task to the thread that started it.
private final class StartSignal: @unchecked Sendable {
    private let lock = NSCondition()
    private var result: Result<Int, any Error>?

    func finish(_ r: Result<Int, any Error>) {
        lock.lock()
        if result == nil { result = r }
        lock.broadcast()
        lock.unlock()
    }

    func wait(timeout: Double) -> Result<Int, any Error>? {
        let deadline = Date().addingTimeInterval(timeout)
        lock.lock()
        defer { lock.unlock() }
        while result == nil, lock.wait(until: deadline) {}
        return result
    }
}
