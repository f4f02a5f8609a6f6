import ArgumentParser
import BoxerSupport
import NodeAPI

/// `boxer volume snapshot …`: a qcow2 volume's internal snapshots.
struct VolumeSnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "List, take, revert to and delete a volume's snapshots.",
        discussion: """
            qcow2 volumes only. A volume in a running node is snapshotted while the guest runs; \
            reverting unplugs it, puts it back as it was and plugs it again. The same as \
            /v1/volumes/NAME/snapshots of `boxer serve`.
            """,
        subcommands: [VolumeSnapshotList.self, VolumeSnapshotTake.self, VolumeSnapshotRevert.self, VolumeSnapshotDelete.self]
    )
}

struct VolumeSnapshotTarget: ParsableArguments {
    @Argument(help: "The volume's name.")
    var volume: String

    @Argument(help: "The snapshot's name.")
    var snapshot: String
}
