import ArgumentParser
import BoxerSupport
import Machines

struct SnapshotPush: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Take a snapshot to come back to with `snapshot pop`.",
        discussion: "Named as Vagrant names pushed snapshots: push_<seconds>_<random>."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Machines (default: all).")
    var names: [String] = []

    func run() async throws {
        let output = global.makeOutput()
        let environment = try openMachineEnvironment(output: output)
        try await withEnvironmentLock(environment, command: "snapshot") {
            try await environment.pushSnapshot(names)
        }
    }
}
