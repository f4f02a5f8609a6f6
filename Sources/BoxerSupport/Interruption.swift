import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ctrl-C (and SIGTERM, SIGHUP) as task cancellation, so that a long command stops the way it
/// fails: its `defer`s stop the processes it started and remove its temporary files. The first
/// signal cancels; the default disposition is back for a second one, so a second Ctrl-C quits
/// at once, as in Vagrant.
public enum Interruption {
    /// The operation was cancelled by a signal (and has cleaned up).
    public struct Interrupted: Error, CustomStringConvertible, Sendable {
        public let signal: Int32
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
        public var description: String { "interrupted by \(name)" }
    }

    private enum Outcome<T: Sendable>: Sendable {
        case finished(T)
        case signalled(Int32)
    }

    /// Runs `operation`; a signal cancels it, waits for it to unwind and throws `Interrupted`.
    /// `onSignal` is told at once (to say that boxer is stopping).
    public static func cancelling<T: Sendable>(
        on signals: [Int32] = [SIGINT, SIGTERM, SIGHUP],
        onSignal: @escaping @Sendable (Interrupted) -> Void = { _ in },
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let (received, continuation) = AsyncStream<Int32>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let queue = DispatchQueue(label: "boxer.signals")
        let sources = signals.map { number -> DispatchSourceSignal in
            // The source sees the signal only while the default action (exit) is off.
            systemSignal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                for other in signals { systemSignal(other, SIG_DFL) }
                continuation.yield(number)
            }
            source.resume()
            return source
        }
        defer {
            sources.forEach { $0.cancel() }
            for number in signals { systemSignal(number, SIG_DFL) }
            continuation.finish()
        }
        var interrupted: Interrupted?
        let result: T? = try await withThrowingTaskGroup(of: Outcome<T>?.self) { group in
            group.addTask { .finished(try await operation()) }
            group.addTask {
                for await number in received { return .signalled(number) }
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
                        interrupted = Interrupted(signal: number)
                        onSignal(Interrupted(signal: number))
                        group.cancelAll()
                    case nil:
                        break
                    }
                }
            } catch {
                // The operation's own error after a signal is the interruption's consequence.
                if interrupted == nil { throw error }
            }
            return value
        }
        if let interrupted { throw interrupted }
        guard let result else { throw CancellationError() }
        return result
    }
}

#if canImport(Glibc)
private func systemSignal(_ number: Int32, _ handler: __sighandler_t?) { _ = Glibc.signal(number, handler) }
#else
private func systemSignal(_ number: Int32, _ handler: sig_t?) { _ = Darwin.signal(number, handler) }
#endif
