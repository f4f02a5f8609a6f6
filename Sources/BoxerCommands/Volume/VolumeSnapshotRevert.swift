import ArgumentParser
import BoxerSupport
import NodeAPI

struct VolumeSnapshotRevert: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "revert", abstract: "Put a volume back as it was at a snapshot.",
        discussion:
            "A volume in a running node is unplugged, reverted with qemu-img and plugged again. The same as POST /v1/volumes/NAME/snapshots/SNAPSHOT/revert."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: VolumeSnapshotTarget

    func run() async throws {
        let output = global.makeOutput()
        try await makeNodeService().revertSnapshot(target.snapshot, of: target.volume)
        output.success("Volume \(target.volume) is back at snapshot \(target.snapshot).")
    }
}
