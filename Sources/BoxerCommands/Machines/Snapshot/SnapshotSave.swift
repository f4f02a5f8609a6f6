import ArgumentParser
import BoxerSupport
import Machines

struct SnapshotSave: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "save",
        abstract: "Take a snapshot of machines under a name.",
        discussion: "A name that exists is refused unless --force, which replaces it. Machines not created are skipped."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: SnapshotTarget

    @Flag(name: .shortAndLong, help: "Replace a snapshot of that name.")
    var force = false

    func run() async throws {
        let (machines, name) = try target.split()
        let output = global.makeOutput()
        let environment = try openMachineEnvironment(output: output)
        try await withEnvironmentLock(environment, command: "snapshot") {
            try await environment.saveSnapshot(machines, name: name, force: force)
        }
    }
}
