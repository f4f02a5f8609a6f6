#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs blocking work (disk or process I/O for seconds) on a thread of its own and awaits it
/// without holding one of the concurrency pool's few threads.
public func onDedicatedThread<T: Sendable, E: Error>(stackSize: Int = 0, _ body: @escaping @Sendable () throws(E) -> T) async -> Result<
    T, E
> {
    await withCheckedContinuation { continuation in
        let thread = startThread(stackSize: stackSize) {
            continuation.resume(returning: Result(catching: body))
        }
        pthread_detach(thread)
    }
}

/// Runs `body` on a new thread and blocks the caller until it returns. The stack size is the
/// point: deeply recursive work (the Vagrantfile parser) gets a stack no caller's thread has.
public func onThreadWaiting<T, E: Error>(stackSize: Int, _ body: () throws(E) -> T) throws(E) -> T {
    // The body runs strictly inside this call (the thread is joined before it returns), so
    // handing it and its result across the thread boundary is safe though neither is Sendable.
    let outcome = ThreadHandoff<Result<T, E>?>(nil)
    withoutActuallyEscaping(body) { body in
        let work = ThreadHandoff(body)
        pthread_join(startThread(stackSize: stackSize) { outcome.value = Result(catching: work.value) }, nil)
    }
    guard let result = outcome.value else { fatalError("a joined thread finished without running its body") }
    return try result.get()
}

/// A value handed to a thread and back, which only one side touches at a time (before the
/// thread starts, in it, after it is joined): the one use where `Locked` would claim a safety
/// that the join gives.
private final class ThreadHandoff<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}

/// A POSIX thread rather than Foundation's `Thread`: that one brings up Foundation's object
/// runtime, which costs every short command (`boxer status`) about a megabyte of memory.
private func startThread(stackSize: Int, _ body: @escaping @Sendable () -> Void) -> pthread_t {
    // Unchecked: it carries the body across pthread_create's untyped context pointer.
    final class Start: @unchecked Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    if stackSize > 0 { pthread_attr_setstacksize(&attributes, stackSize) }
    let context = Unmanaged.passRetained(Start(body)).toOpaque()
    #if canImport(Glibc)
        var thread = pthread_t()
    #else
        var thread: pthread_t?
    #endif
    let status = pthread_create(
        &thread, &attributes,
        { context in
            #if canImport(Glibc)
                guard let context else { return nil }
            #endif
            Unmanaged<Start>.fromOpaque(context).takeRetainedValue().body()
            return nil
        }, context)
    // Creating a thread fails only when the process is out of threads or memory; there is no
    // sensible way to go on without the work it was to do.
    #if canImport(Glibc)
        guard status == 0 else { fatalError("cannot start a thread: \(String(cString: strerror(status)))") }
        return thread
    #else
        guard status == 0, let thread else { fatalError("cannot start a thread: \(String(cString: strerror(status)))") }
        return thread
    #endif
}
