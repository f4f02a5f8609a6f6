import ArgumentParser
import BoxerSupport
import Machines

struct SnapshotDelete: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete a snapshot of machines, freeing its space.",
        discussion: "Under QEMU the snapshot leaves the machine's qcow2 disks, running or not."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: SnapshotTarget

    func run() async throws {
        let (machines, name) = try target.split()
        let output = global.makeOutput()
        let environment = try openMachineEnvironment(output: output)
        try await withEnvironmentLock(environment, command: "snapshot") {
            try await environment.deleteSnapshot(machines, name: name)
        }
    }
}
