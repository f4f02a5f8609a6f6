import ArgumentParser
import BoxerSupport
import NodeAPI

struct VolumeSnapshotDelete: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Delete a volume's snapshot.",
        discussion: "The same as DELETE /v1/volumes/NAME/snapshots/SNAPSHOT.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: VolumeSnapshotTarget

    func run() async throws {
        let output = global.makeOutput()
        try await makeNodeService().deleteSnapshot(target.snapshot, of: target.volume)
        output.success("Deleted snapshot \(target.snapshot) of volume \(target.volume).")
    }
}
