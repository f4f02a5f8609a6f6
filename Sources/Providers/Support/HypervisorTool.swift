import Machines

/// A hypervisor's command-line tool (VBoxManage, vmrun, prlctl) as a driver runs it: the
/// installed program, or in tests a recording stand-in that models the tool's state and
/// refuses what the real one refuses.
public protocol HypervisorTool: Sendable {
    /// The program's name, for messages ("VBoxManage").
    var name: String { get }
    func run(_ arguments: [String]) async throws(MachineError) -> Programs.Result
}

/// The tool installed on this host.
public struct InstalledTool: HypervisorTool {
    public let name: String
    public let path: String

    public init(name: String, path: String) {
        self.name = name
        self.path = path
    }

    /// The program on PATH, or nil when it is not installed.
    public static func find(_ name: String) -> InstalledTool? {
        Programs.find(name).map { InstalledTool(name: name, path: $0) }
    }

    public func run(_ arguments: [String]) async throws(MachineError) -> Programs.Result {
        try await Programs.run(path, arguments)
    }
}

extension HypervisorTool {
    /// Runs the tool and fails with its own words when it fails. No call may take longer than
    /// `timeout` (the tools are known to hang now and then: vmrun start, VBoxSVC, prlctl's
    /// dispatcher); the program is ended then.
    @discardableResult
    func check(_ arguments: [String], doing what: String, timeout: Double = 900) async throws(MachineError) -> String {
        guard let result = try await run(arguments, timeout: timeout) else {
            throw MachineError.toolTimedOut(name, doing: what, arguments: arguments, timeout: Int(timeout))
        }
        guard result.succeeded else {
            let said = (result.error.isEmpty ? result.output : result.error).trimmingCharacters(in: .whitespacesAndNewlines)
            throw MachineError.toolFailed(name, doing: what, arguments: arguments, status: result.status, said: said)
        }
        return result.output
    }
}

extension HypervisorTool {
    /// Runs the tool for at most `seconds`; nil when it did not finish by then (it is cancelled,
    /// which ends the program). For calls that can wait forever: `vmrun getGuestIPAddress -wait`
    /// on a guest without tools, `vmrun stop soft` on a guest that ignores it.
    func run(_ arguments: [String], timeout seconds: Double) async throws(MachineError) -> Programs.Result? {
        let outcome = await withTaskGroup(of: Result<Programs.Result, MachineError>?.self) { group in
            group.addTask {
                do throws(MachineError) { return .success(try await self.run(arguments)) } catch { return .failure(error) }
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(seconds))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        return try outcome?.get()
    }
}
