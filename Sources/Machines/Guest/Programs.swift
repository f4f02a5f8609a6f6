import BoxerSupport
import Foundation
import Subprocess

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// The host programs machines need (qemu-img, qemu-system-*, ssh, ssh-keygen, scp), run with
/// swift-subprocess. Output is collected, or streamed a line at a time.
public enum Programs {
    public struct Result: Sendable {
        public let status: Int32
        public let output: String
        public let error: String
        public var succeeded: Bool { status == 0 }

        public init(status: Int32, output: String, error: String) {
            self.status = status
            self.output = output
            self.error = error
        }
    }

    /// Set around work that handles Ctrl-C itself (`boxer build`): its programs start in process
    /// groups of their own, so the terminal's SIGINT reaches boxer alone, which then cancels
    /// them (swift-subprocess ends a cancelled program) after deciding what to clean up.
    /// Otherwise a child dying of the same Ctrl-C could fail the step before boxer knew why.
    @TaskLocal public static var ownProcessGroups = false

    static var platformOptions: PlatformOptions {
        var options = PlatformOptions()
        if ownProcessGroups { options.processGroupID = 0 }
        return options
    }

    /// Where `name` is on PATH, or nil.
    public static func find(_ name: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        ExecutableSearch.find(name, environment: environment)
    }

    /// Runs a program to the end and collects what it printed (at most 4 MiB of each stream).
    public static func run(_ program: String, _ arguments: [String], workingDirectory: String? = nil) async throws(MachineError) -> Result {
        do {
            let result = try await Subprocess.run(
                executable(program), arguments: Arguments(arguments),
                workingDirectory: workingDirectory.map { FilePath($0) }, platformOptions: platformOptions,
                output: .string(limit: 4 << 20), error: .string(limit: 4 << 20))
            return Result(status: code(result.terminationStatus), output: result.standardOutput, error: result.standardError)
        } catch {
            throw MachineError.cannotRun(program, "\(error)")
        }
    }

    /// Runs a program and hands each line of its output and error streams to `line` as it comes.
    /// `environment` adds variables to boxer's own; `workingDirectory` nil: boxer's.
    public static func stream(
        _ program: String, _ arguments: [String], environment: [(String, String)] = [], workingDirectory: String? = nil,
        line: @escaping @Sendable (String, _ isError: Bool) -> Void
    ) async throws(MachineError) -> Int32 {
        var variables: [Environment.Key: String?] = [:]
        for (key, value) in environment { variables[Environment.Key(stringLiteral: key)] = value }
        do {
            let result = try await Subprocess.run(
                executable(program), arguments: Arguments(arguments), environment: .inherit.updating(variables),
                workingDirectory: workingDirectory.map { FilePath($0) }, platformOptions: platformOptions,
                input: .none, output: .sequence, error: .sequence
            ) { execution in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { for try await text in execution.standardOutput.strings() { line(text, false) } }
                    group.addTask { for try await text in execution.standardError.strings() { line(text, true) } }
                    try await group.waitForAll()
                }
            }
            return code(result.terminationStatus)
        } catch {
            throw MachineError.cannotRun(program, "\(error)")
        }
    }

    static func executable(_ program: String) -> Executable {
        program.hasPrefix("/") ? .path(FilePath(program)) : .name(program)
    }

    static func code(_ status: TerminationStatus) -> Int32 {
        switch status {
        case .exited(let code): return Int32(code)
        case .signaled(let signal): return 128 + Int32(signal)
        }
    }
}
