import BoxerSupport
import Foundation
import ServiceLifecycle

/// A long request's progress (a node's create, start, stop, reboot, destroy): the API answers
/// 202 with it at once, and `GET /v1/operations/{id}` (or `?wait=true`) tells how it ended.
public struct NodeOperation: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        case running, succeeded, failed
    }

    public struct Failure: Codable, Sendable, Equatable {
        public var kind: String
        public var message: String
    }

    public var id: String
    /// create, start, stop, reboot, destroy.
    public var kind: String
    public var node: String
    public var status: Status
    public var started: Date
    public var finished: Date?
    public var error: Failure?
    /// What the operation made, for those that make something: an image's id.
    public var result: String?
    /// What the operation said, as `boxer up` would print it (the last lines).
    public var log: [String]
}

/// The operations of one `boxer serve`, kept in memory (the newest 1000): their work runs as
/// child tasks of `OperationRunner`, inside the server's service group.
public actor OperationRegistry {
    public static let kept = 1000
    public static let logLines = 200

    private var operations: [String: NodeOperation] = [:]
    private var order: [String] = []
    private var logs: [String: OperationLog] = [:]

    public init() {}

    public func add(kind: String, node: String) -> NodeOperation {
        var random = SystemRandomNumberGenerator()
        let id = "op-" + String(format: "%016llx", random.next())
        let operation = NodeOperation(id: id, kind: kind, node: node, status: .running, started: Date(), log: [])
        operations[id] = operation
        logs[id] = OperationLog()
        order.append(id)
        // Forget the oldest finished ones.
        while order.count > Self.kept, let oldest = order.first(where: { operations[$0]?.status != .running }) {
            order.removeAll { $0 == oldest }
            operations[oldest] = nil
            logs[oldest] = nil
        }
        return operation
    }

    public func get(_ id: String) -> NodeOperation? {
        guard var operation = operations[id] else { return nil }
        operation.log = logs[id]?.lines ?? []
        return operation
    }

    func log(of id: String) -> OperationLog? { logs[id] }

    /// The kind of the operation running on `node`, if any.
    public func running(on node: String) -> String? {
        order.reversed().lazy.compactMap { self.operations[$0] }.first { $0.node == node && $0.status == .running }?.kind
    }

    public func runningByNode() -> [String: String] {
        var result: [String: String] = [:]
        for id in order { if let operation = operations[id], operation.status == .running { result[operation.node] = operation.kind } }
        return result
    }

    func finish(_ id: String, error: NodeError?, result: String? = nil) {
        guard var operation = operations[id] else { return }
        operation.result = result
        operation.status = error == nil ? .succeeded : .failed
        operation.error = error.map { NodeOperation.Failure(kind: $0.kind.rawValue, message: $0.message) }
        operation.finished = Date()
        operations[id] = operation
    }

    /// Waits until the operation has finished or `seconds` have passed; returns it as it is then.
    public func wait(_ id: String, seconds: Double) async -> NodeOperation? {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while operations[id]?.status == .running, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(100))
        }
        return get(id)
    }
}

/// Runs operations' work as child tasks of the server's service group. At shutdown (SIGTERM,
/// Ctrl-C) it takes no new work and waits for the running operations, so that no node is left
/// halfway by a clean stop; a kill -9 leaves that to `NodeService.recoverInterrupted`.
public final class OperationRunner: Service, Sendable {
    /// An operation's work; it returns the id of what it made, if anything.
    public typealias Work = @Sendable (Output) async throws(NodeError) -> String?

    private struct Job: Sendable {
        let id: String
        let work: Work
    }

    public let registry: OperationRegistry
    private let jobs: AsyncStream<Job>
    private let submit: AsyncStream<Job>.Continuation

    public init(registry: OperationRegistry = OperationRegistry()) {
        self.registry = registry
        (jobs, submit) = AsyncStream.makeStream(of: Job.self)
    }

    /// Records an operation and queues its work; returns the operation as it starts.
    public func start(kind: String, node: String, _ work: @escaping Work) async -> NodeOperation {
        let operation = await registry.add(kind: kind, node: node)
        submit.yield(Job(id: operation.id, work: work))
        return operation
    }

    public func run() async throws {
        let registry = registry
        await withDiscardingTaskGroup { group in
            for await job in jobs.cancelOnGracefulShutdown() {
                let log = await registry.log(of: job.id) ?? OperationLog()
                group.addTask {
                    let output = Output(OperationLogRenderer(log: log))
                    do throws(NodeError) {
                        let result = try await job.work(output)
                        await registry.finish(job.id, error: nil, result: result)
                    } catch {
                        await registry.finish(job.id, error: error)
                    }
                }
            }
        }
    }
}

/// An operation's output as text lines (the last `OperationRegistry.logLines`).
final class OperationLog: Sendable {
    private let stored = Locked<[String]>([])

    var lines: [String] { stored.current }

    func append(_ line: String) {
        stored.withLock { lines in
            lines.append(line)
            if lines.count > OperationRegistry.logLines { lines.removeFirst(lines.count - OperationRegistry.logLines) }
        }
    }
}

struct OperationLogRenderer: OutputRenderer {
    let log: OperationLog

    func render(_ event: OutputEvent) {
        guard case .message(let level, let target, let text) = event else { return }
        let prefix = target.map { "==> \($0): " } ?? ""
        log.append((level == .error ? "Error: " : level == .warn ? "Warning: " : "") + prefix + text)
    }
}
