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

struct VolumeSnapshotList: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List a volume's snapshots.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: VolumeTarget

    func run() async throws {
        let output = global.makeOutput()
        for snapshot in try await makeNodeService().snapshots(of: target.volume) {
            output.text(snapshot.name + (snapshot.created.map { "  \($0)" } ?? ""))
        }
    }
}

struct VolumeSnapshotTake: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(commandName: "take", abstract: "Take a snapshot of a volume.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: VolumeSnapshotTarget

    func run() async throws {
        let output = global.makeOutput()
        let made = try await makeNodeService().createSnapshot(of: target.volume, named: target.snapshot)
        output.success("Took snapshot \(made.name) of volume \(target.volume).")
    }
}

struct VolumeSnapshotRevert: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(commandName: "revert", abstract: "Put a volume back as it was at a snapshot.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: VolumeSnapshotTarget

    func run() async throws {
        let output = global.makeOutput()
        try await makeNodeService().revertSnapshot(target.snapshot, of: target.volume)
        output.success("Volume \(target.volume) is back at snapshot \(target.snapshot).")
    }
}

struct VolumeSnapshotDelete: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a volume's snapshot.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: VolumeSnapshotTarget

    func run() async throws {
        let output = global.makeOutput()
        try await makeNodeService().deleteSnapshot(target.snapshot, of: target.volume)
        output.success("Deleted snapshot \(target.snapshot) of volume \(target.volume).")
    }
}
