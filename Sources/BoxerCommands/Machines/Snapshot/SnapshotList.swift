import ArgumentParser
import BoxerSupport
import Machines

struct SnapshotList: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the snapshots of machines.",
        discussion: "Oldest first, as Vagrant prints them; with --machine-readable one `snapshot-list` record per snapshot."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Machines (default: all).")
    var names: [String] = []

    func run() async throws {
        let output = global.makeOutput()
        let environment = try openMachineEnvironment(output: output)
        for (machine, snapshots) in try await environment.snapshotList(names) {
            let target = output.targeting(machine)
            guard let snapshots else {
                target.say("VM not created. Moving on...")
                continue
            }
            guard !snapshots.isEmpty else {
                target.say("No snapshots have been taken yet!")
                target.detail(
                    "You can take a snapshot using `boxer snapshot save`. Once a snapshot is taken, you\ncan list them using this command, and use commands such as\n`boxer snapshot restore` to go back to a certain snapshot."
                )
                continue
            }
            if output.isMachineReadable {
                for snapshot in snapshots { target.record("snapshot-list", snapshot.name, snapshot.withMemory ? "memory" : "disk") }
            } else {
                target.say("")
                for snapshot in snapshots { output.text(snapshot.name) }
            }
        }
    }
}
