import ArgumentParser

struct SnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Save, restore, list and delete snapshots of machines.",
        discussion: """
            As `vagrant snapshot`. Under QEMU a running machine's snapshot holds its disks and memory \
            (a restore carries on where it was) and a halted one's its disks; snapshots live in the \
            machine's own qcow2 disks and go with `boxer destroy`.
            """,
        subcommands: [SnapshotSave.self, SnapshotRestore.self, SnapshotList.self, SnapshotDelete.self, SnapshotPush.self, SnapshotPop.self]
    )
}

/// `[vm-name] <name>`: one argument is the snapshot's name for every machine, two are a
/// machine and a name, as Vagrant takes them.
struct SnapshotTarget: ParsableArguments {
    @Argument(help: "The machine (optional), then the snapshot's name.")
    var words: [String] = []

    func split() throws -> (machines: [String], name: String) {
        switch words.count {
        case 1: return ([], words[0])
        case 2: return ([words[0]], words[1])
        default: throw ValidationError("give the snapshot's name, optionally after a machine's: [vm-name] <name>")
        }
    }
}
