import ArgumentParser
import Dispatch

/// The `boxer` command line. The executable target only calls `Boxer.runFromMain()`.
public struct Boxer: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "boxer",
        abstract: "Build Vagrant-compatible boxes and run the machines a Vagrantfile describes.",
        discussion: """
            boxer keeps its state under $BOXER_HOME (default ~/.boxer), laid out like ~/.vagrant.d, \
            so BOXER_HOME=~/.vagrant.d shares boxes with Vagrant in both directions.
            """,
        version: BoxerVersion.current,
        subcommands: [BoxCommand.self, Init.self, Validate.self, Status.self, Up.self, SSHCommand.self, SSHConfig.self, Provision.self, Halt.self, Reload.self, Suspend.self, Resume.self, Destroy.self, Port.self, GlobalStatus.self, NetworkSwitch.self, NetworkAllocate.self, Build.self, ProvidersCommand.self]
    )

    public init() {}
}

public enum BoxerVersion {
    public static let current = "0.1.0"
}

extension Boxer {
    /// Parses the process arguments and runs the chosen command from a synchronous `main`.
    /// Commands that never wait (`status`, `validate`) run right here, without starting Swift's
    /// concurrency runtime and its threads: that alone is 0.7 MiB of every `boxer status`. The
    /// others run as a task on the global executor that `main` waits for; nothing in boxer is
    /// bound to the main actor, so blocking the main thread cannot starve that task.
    public static func runFromMain(_ arguments: [String]? = nil) {
        do {
            var command = try parseAsRoot(arguments)
            if let asyncCommand = command as? any AsyncParsableCommand {
                let finished = DispatchSemaphore(value: 0)
                let pending = PendingCommand(asyncCommand)
                Task {
                    do { try await pending.run() } catch { exit(withError: error) }
                    finished.signal()
                }
                finished.wait()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

/// Hands the parsed command to the task that runs it; only that task touches it afterwards.
private final class PendingCommand: @unchecked Sendable {
    var command: any AsyncParsableCommand
    init(_ command: any AsyncParsableCommand) { self.command = command }
    func run() async throws { try await command.run() }
}
