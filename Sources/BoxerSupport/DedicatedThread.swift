import Foundation

/// Runs blocking work (disk or process I/O for seconds) on a thread of its own and awaits it
/// without holding one of the concurrency pool's few threads.
public func onDedicatedThread<T: Sendable, E: Error>(_ body: @escaping @Sendable () throws(E) -> T) async -> Result<T, E> {
    await withCheckedContinuation { continuation in
        Thread {
            continuation.resume(returning: Result(catching: body))
        }.start()
    }
}
