import BoxerSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct LockedTests {
    @Test func changesFromManyTasksAreNotLost() async {
        let counter = Locked(0)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { for _ in 0..<1_000 { counter.withLock { $0 += 1 } } }
            }
        }
        #expect(counter.current == 8_000)
        counter.set(3)
        #expect(
            counter.withLock { value -> Int in
                value *= 2
                return value
            } == 6)
    }
}

@Suite struct AsyncLockTests {
    @Test func oneHolderAtATimeInTheOrderTheyAsked() async throws {
        let lock = AsyncLock()
        let inside = Locked(0)
        let most = Locked(0)
        let order = Locked<[Int]>([])
        let (released, release) = AsyncStream<Void>.makeStream()
        let holder = Task { await lock.withLock { for await _ in released { break } } }
        try await Task.sleep(for: .milliseconds(50))
        var waiters: [Task<Void, Never>] = []
        for number in 0..<5 {
            waiters.append(
                Task {
                    await lock.withLock {
                        let now = inside.withLock {
                            $0 += 1
                            return $0
                        }
                        most.withLock { $0 = max($0, now) }
                        order.withLock { $0.append(number) }
                        try? await Task.sleep(for: .milliseconds(5))
                        inside.withLock { $0 -= 1 }
                    }
                })
            // This one reaches the lock before the next is started.
            try await Task.sleep(for: .milliseconds(30))
        }
        #expect(order.current.isEmpty, "nobody gets in while the lock is held")
        release.yield()
        release.finish()
        await holder.value
        for waiter in waiters { await waiter.value }
        #expect(most.current == 1)
        #expect(order.current == [0, 1, 2, 3, 4])
    }
}

@Suite struct FileLockTests {
    @Test func aHeldLockKeepsOthersOutUntilReleasedOrDropped() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "boxer-filelock-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("state.lock")
        var held = try FileLock.acquire(url)
        #expect(held != nil)
        // flock belongs to the open file, so a second open in this process is another holder.
        #expect(try FileLock.acquire(url, wait: false) == nil)
        #expect(try FileLock(url: url).tryLock(.shared) == false)
        held?.unlock()
        let again = try #require(try FileLock.acquire(url, wait: false))
        #expect(try FileLock.acquire(url, mode: .shared, wait: false) == nil)
        again.unlock()
        // Dropping the value releases the lock (the descriptor is closed).
        held = try FileLock.acquire(url)
        #expect(held != nil)
        held = nil
        #expect(try FileLock.acquire(url, wait: false) != nil)
        // A missing file is not created when told not to.
        #expect(try FileLock.acquire(folder.appendingPathComponent("absent.lock"), create: false) == nil)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("absent.lock").path))
    }

    @Test func aLockWhoseFileWasDeletedIsNoLongerNamed() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "boxer-filelock-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).lock")
        let lock = try #require(try FileLock.acquire(url))
        #expect(lock.isStillNamed)
        try FileManager.default.removeItem(at: url)
        #expect(!lock.isStillNamed)
        // The next acquirer gets a lock on the file that bears the name now.
        let next = try #require(try FileLock.acquire(url, wait: false))
        #expect(next.isStillNamed)
        try? FileManager.default.removeItem(at: url)
    }
}

@Suite struct DedicatedThreadTests {
    struct Refused: Error, Equatable {}

    @Test func runsOnAnotherThreadAndReturnsItsResult() async {
        let caller = pthread_self()
        let result = await onDedicatedThread { () -> Bool in pthread_equal(pthread_self(), caller) != 0 }
        #expect(result == .success(false))
        let failed = await onDedicatedThread { () throws(Refused) -> Int in throw Refused() }
        #expect(throws: Refused.self) { try failed.get() }
    }

    @Test func aWaitingThreadGetsTheStackItAskedFor() throws {
        // 64 MiB: far more than the 8 MiB a test thread has.
        // glibc's pthread_getattr_np (not in Swift's Glibc module) tells a thread's real stack.
        typealias GetAttributes = @convention(c) (pthread_t, UnsafeMutablePointer<pthread_attr_t>) -> Int32
        let symbol = try #require(dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pthread_getattr_np"))
        let getAttributes = unsafeBitCast(symbol, to: GetAttributes.self)
        let size = onThreadWaiting(stackSize: 64 << 20) { () -> Int in
            var attributes = pthread_attr_t()
            guard getAttributes(pthread_self(), &attributes) == 0 else { return 0 }
            defer { pthread_attr_destroy(&attributes) }
            var size = 0
            pthread_attr_getstacksize(&attributes, &size)
            return size
        }
        #expect(size >= 64 << 20)
        #expect(throws: Refused.self) { try onThreadWaiting(stackSize: 1 << 20) { () throws(Refused) in throw Refused() } }
    }
}

/// Signals are the process's, so these run one at a time, with SIGUSR1 and SIGUSR2 that
/// nothing else in the test process uses.
@Suite(.serialized) struct InterruptionTests {
    @Test func aSignalCancelsTheOperationAndIsThrownAfterItUnwound() async throws {
        let unwound = Locked(false)
        let told = Locked<Int32?>(nil)
        await #expect(throws: Interruption.Interrupted(signal: SIGUSR1)) {
            let operation: @Sendable () async throws -> Void = {
                Task.detached {
                    try? await Task.sleep(for: .milliseconds(100))
                    kill(getpid(), SIGUSR1)
                }
                do {
                    try await Task.sleep(for: .seconds(30))
                } catch {
                    unwound.set(true)
                    throw error
                }
            }
            try await Interruption.cancelling(on: [SIGUSR1], onSignal: { told.set($0.signal) }, operation)
        }
        #expect(unwound.current)
        #expect(told.current == SIGUSR1)
        #expect(Interruption.Interrupted(signal: SIGINT).exitStatus == .interrupted)
        #expect(Interruption.Interrupted(signal: SIGTERM).exitStatus.rawValue == 143)
    }

    @Test func anOperationThatFinishesReturnsItsValueAndTheSignalIsPutBack() async throws {
        let value = try await Interruption.cancelling(on: [SIGUSR2]) { 42 }
        #expect(value == 42)
        var action = sigaction()
        sigaction(SIGUSR2, nil, &action)
        #expect(unsafeBitCast(action.__sigaction_handler.sa_handler, to: Int.self) == 0, "SIGUSR2 has its default action again")
    }
}
