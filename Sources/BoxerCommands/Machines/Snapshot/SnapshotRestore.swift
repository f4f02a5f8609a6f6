import ArgumentParser
import BoxerSupport
import Machines

struct SnapshotRestore: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Bring machines back to a snapshot.",
        discussion: """
            A snapshot with memory restored into a running machine carries on where it was; \
            otherwise the machine boots from the restored disks unless --no-start.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: SnapshotTarget

    @Flag(inversion: .prefixedNo, help: "Run the provisioners afterwards (default: no).")
    var provision: Bool?

    @Flag(help: "Leave a machine that is off after the restore off.")
    var noStart = false

    func run() async throws {
        let (machines, name) = try target.split()
        let output = global.makeOutput()
        let environment = try openMachineEnvironment(output: output)
        try await withEnvironmentLock(environment, command: "snapshot") {
            try await environment.restoreSnapshot(machines, name: name, options: .init(provision: provision, start: !noStart))
        }
    }
}
