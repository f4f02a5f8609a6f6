import ArgumentParser
import BoxerSupport
import Dispatch
import Foundation

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
        subcommands: [
            BoxCommand.self, Init.self, Validate.self, Status.self, Version.self, Up.self, SSHCommand.self, SSHConfig.self, Provision.self,
            Halt.self, Reload.self, Suspend.self, Resume.self, Destroy.self, Port.self, GlobalStatus.self, NetworkSwitch.self,
            NetworkAllocate.self, Build.self, Serve.self, NodeCommand.self, VolumeCommand.self, ProvidersCommand.self, SnapshotCommand.self,
            Upload.self,
            Rsync.self,
            RsyncAuto.self,
            Package.self,
        ]
    )

    public init() {}
}

public enum BoxerVersion {
    public static let current = "0.1.0"
}

extension Boxer {
    /// Parses the process arguments and runs the chosen command from a synchronous `main`, then
    /// exits with its status (`CommandFailure` maps errors to statuses). Commands that never
    /// wait (`status`, `validate`) run right here, without starting Swift's concurrency runtime
    /// and its threads: that alone is 0.7 MiB of every `boxer status`. The others run as a task
    /// on the global executor that `main` waits for; nothing in boxer is bound to the main
    /// actor, so blocking the main thread cannot starve that task.
    public static func runFromMain(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> Never {
        var arguments = arguments
        let machineReadable = Self.takeMachineReadableFlag(from: &arguments)
        let output = GlobalOptions(machineReadable: machineReadable).makeOutput()
        do {
            var command = try parseAsRoot(arguments)
            if machineReadable, var boxerCommand = command as? any BoxerCommand {
                boxerCommand.global.machineReadable = true
                command = boxerCommand
            }
            if var asyncCommand = command as? any AsyncParsableCommand {
                let finished = DispatchSemaphore(value: 0)
                let failure = Locked<CommandFailure?>(nil)
                Task {
                    do { try await asyncCommand.run() } catch { failure.set(CommandFailure(error)) }
                    finished.signal()
                }
                finished.wait()
                if let failure = failure.current { terminate(failure.report(on: output)) }
            } else {
                try command.run()
            }
            terminate(.success)
        } catch {
            terminate(CommandFailure(error).report(on: output))
        }
    }

    /// Removes `--machine-readable` wherever it is before `--` (Vagrant takes it before or after
    /// the command's name) and says whether it was there.
    static func takeMachineReadableFlag(from arguments: inout [String]) -> Bool {
        let end = arguments.firstIndex(of: "--") ?? arguments.endIndex
        let found = arguments[..<end].contains(GlobalOptions.machineReadableFlag)
        if found {
            arguments = arguments[..<end].filter { $0 != GlobalOptions.machineReadableFlag } + arguments[end...]
        }
        return found
    }
}

/// Ends the process with `status` (the commands' own `exit` is ArgumentParser's).
private func terminate(_ status: ExitStatus) -> Never {
    exit(status.rawValue)
}
