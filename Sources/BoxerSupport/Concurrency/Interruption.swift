import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Ctrl-C (and SIGTERM, SIGHUP) as task cancellation, so that a long command stops the way it
/// fails: its `defer`s stop the processes it started and remove its temporary files. The first
/// signal cancels; a second one quits at once (exit 128 + signal), as in Vagrant. A signal the
/// process ignored on entry (`nohup`, a background job) stays ignored.
///
/// One call at a time per process: libdispatch installs its handler for a signal once, and the
/// dispositions found on entry are put back on return.
public enum Interruption {
    /// The operation was cancelled by a signal (and has cleaned up).
    public struct Interrupted: BoxerError, Equatable {
        public let signal: Int32
        public init(signal: Int32) { self.signal = signal }
        public var name: String {
            switch signal {
            case SIGINT: "SIGINT"
            case SIGTERM: "SIGTERM"
            case SIGHUP: "SIGHUP"
            default: "signal \(signal)"
            }
        }
        /// The shell's convention: 128 + the signal.
        public var exitCode: Int32 { 128 + signal }
        public var exitStatus: ExitStatus { .signalled(signal) }
        public var kindName: String { "Interrupted" }
        public var description: String { "interrupted by \(name)" }
    }

    private enum Outcome<T: Sendable>: Sendable {
        case finished(T)
        case signalled(Int32)
    }

    /// Runs `operation`; a signal cancels it, waits for it to unwind and throws `Interrupted`.
    /// `onSignal` is told at once (to say that boxer is stopping). An operation that finished
    /// anyway returns its value.
    /// Over 80 lines on purpose: installing, racing and restoring the handlers are one unit.
    public static func cancelling<T: Sendable>(
        on signals: [Int32] = [SIGINT, SIGTERM, SIGHUP],
        onSignal: @escaping @Sendable (Interrupted) -> Void = { _ in },
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let (stream, continuation) = AsyncStream<Int32>.makeStream(bufferingPolicy: .bufferingNewest(1))
        // The signals seen, added on the signal queue as they arrive.
        let received = Locked<[Int32]>([])
        let queue = DispatchQueue(label: "boxer.signals")
        var saved: [(Int32, sigaction)] = []
        var sources: [DispatchSourceSignal] = []
        for number in signals {
            var old = sigaction()
            guard sigaction(number, nil, &old) == 0, !Self.isIgnored(old) else { continue }
            saved.append((number, old))
            // The default action (exit) off, so that the source sees the signal.
            var ignore = sigaction()
            Self.setIgnore(&ignore)
            sigaction(number, &ignore, nil)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                if received.withLock({
                    $0.append(number)
                    return $0.count
                }) > 1 {
                    exit(128 + number)
                }
                continuation.yield(number)
            }
            source.resume()
            sources.append(source)
        }
        // A mask inherited from the parent (test runners and some supervisors block SIGINT and
        // SIGTERM in their children) would keep every signal away; this thread takes them.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for (number, _) in saved { sigaddset(&unblock, number) }
        var previousMask = sigset_t()
        pthread_sigmask(SIG_UNBLOCK, &unblock, &previousMask)
        defer {
            for source in sources { source.cancel() }
            for (number, old) in saved {
                var action = old
                sigaction(number, &action, nil)
            }
            continuation.finish()
        }
        var interrupted: Interrupted?
        let result: T? = try await withThrowingTaskGroup(of: Outcome<T>?.self) { group in
            group.addTask { .finished(try await operation()) }
            group.addTask {
                for await number in stream { return .signalled(number) }
                return nil
            }
            var value: T?
            do {
                while let next = try await group.next() {
                    switch next {
                    case .finished(let result):
                        value = result
                        group.cancelAll()
                    case .signalled(let number):
                        guard value == nil else { break }
                        interrupted = Interrupted(signal: number)
                        onSignal(Interrupted(signal: number))
                        group.cancelAll()
                    case nil:
                        break
                    }
                }
            } catch {
                // A child program may die of the same Ctrl-C (same terminal) an instant before
                // boxer's own signal is read: the failure is then the interruption's.
                if interrupted == nil {
                    try? await Task.sleep(for: .milliseconds(300))
                    guard let number = received.current.first else { throw error }
                    interrupted = Interrupted(signal: number)
                    onSignal(Interrupted(signal: number))
                }
            }
            return value
        }
        if let result { return result }
        if let interrupted { throw interrupted }
        throw CancellationError()
    }

    #if canImport(Glibc)
        private static func isIgnored(_ action: sigaction) -> Bool {
            unsafeBitCast(action.__sigaction_handler.sa_handler, to: Int.self) == 1
        }

        private static func setIgnore(_ action: inout sigaction) {
            action.__sigaction_handler.sa_handler = unsafeBitCast(1, to: __sighandler_t.self)
        }
    #else
        private static func isIgnored(_ action: sigaction) -> Bool {
            unsafeBitCast(action.__sigaction_u.__sa_handler, to: Int.self) == 1
        }

        private static func setIgnore(_ action: inout sigaction) {
            action.__sigaction_u.__sa_handler = unsafeBitCast(1, to: (@convention(c) (Int32) -> Void).self)
        }
    #endif
}
