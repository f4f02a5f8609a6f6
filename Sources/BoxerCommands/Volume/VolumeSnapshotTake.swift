import ArgumentParser
import BoxerSupport
import NodeAPI

struct VolumeSnapshotTake: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "take", abstract: "Take a snapshot of a volume.",
        discussion:
            "Live over QMP when the volume is in a running node, with qemu-img otherwise. The same as POST /v1/volumes/NAME/snapshots.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: VolumeSnapshotTarget

    func run() async throws {
        let output = global.makeOutput()
        let made = try await makeNodeService().createSnapshot(of: target.volume, named: target.snapshot)
        output.success("Took snapshot \(made.name) of volume \(target.volume).")
    }
}
