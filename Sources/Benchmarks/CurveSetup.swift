import Foundation
import Transport

/// Plain text or CURVE for a benchmark's sockets: the key pairs the learner and a worker
/// would hold, and a ZAP handler on a thread that lets the client in (a handshake is a
/// one-off per connection; the bench measures what encryption costs every message).
final class CurveSetup: @unchecked Sendable {
    let server: SocketSecurity
    let client: SocketSecurity
    private let zap: ZAPServer?
    private let lock = NSLock()
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)

    /// `curve` false: both sides plain, no handler.
    init(_ context: ZMQContext, curve: Bool) throws {
        guard curve else {
            (server, client, zap) = (.none, .none, nil)
            return
        }
        let learner = try CurveKeyPair.generate(), worker = try CurveKeyPair.generate()
        server = .curveServer(secretKey: learner.secretKey)
        client = .curveClient(serverKey: learner.publicKey, keys: worker)
        let z = try ZAPServer(context)
        zap = z
        let t = Thread { [self] in
            while !isStopped {
                guard (try? Poller.wait([z.socket], timeout: 0.05).first) == true else { continue }
                while let r = z.next() { z.answer(r, allow: r.clientKey == worker.publicKey, userId: "bench") }
            }
            done.signal()
        }
        t.start()
    }

    private var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return stopped }

    /// Ends the handler's thread (before the context closes).
    func stop() {
        guard zap != nil else { return }
        lock.lock(); stopped = true; lock.unlock()
        done.wait()
    }
}
