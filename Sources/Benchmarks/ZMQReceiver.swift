import Dispatch
import Foundation
import Transport

extension ZMQThroughput {
    /// The PULL side on its own thread: takes one handshake message, then `repeats` × `perRepeat`
    /// messages, signalling `arrived` after the handshake and after each repetition.
    final class Receiver: @unchecked Sendable {
        let socket: ZMQSocket
        let perRepeat: Int
        let repeats: Int
        let arrived = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        private(set) var failure: String?

        init(_ socket: ZMQSocket, perRepeat: Int, repeats: Int) {
            self.socket = socket
            self.perRepeat = perRepeat
            self.repeats = repeats
        }

        func start() {
            let t = Thread { [self] in
                defer { finished.signal() }
                let total = 1 + perRepeat * repeats
                for got in 1...total {
                    guard let frames = try? socket.receive(timeout: 10), !frames.isEmpty else {
                        failure = "receive timed out on \(socket.endpoint)"
                        return
                    }
                    if got == 1 || (got - 1) % perRepeat == 0 { arrived.signal() }
                }
            }
            t.name = "bench-pull"
            t.start()
        }
    }
}
