import ArgumentParser
import BoxerSupport
import Machines

struct SnapshotPop: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "pop",
        abstract: "Go back to the newest pushed snapshot and delete it.",
        discussion: "As `snapshot restore` of the last `snapshot push`; --no-delete keeps the snapshot."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Machines (default: all).")
    var names: [String] = []

    @Flag(inversion: .prefixedNo, help: "Run the provisioners afterwards (default: no).")
    var provision: Bool?

    @Flag(help: "Leave a machine that is off after the restore off.")
    var noStart = false

    @Flag(help: "Keep the snapshot after restoring it.")
    var noDelete = false

    func run() async throws {
        let output = global.makeOutput()
        let environment = try openMachineEnvironment(output: output)
        try await withEnvironmentLock(environment, command: "snapshot") {
            try await environment.popSnapshot(names, options: .init(provision: provision, start: !noStart), delete: !noDelete)
        }
    }
}
