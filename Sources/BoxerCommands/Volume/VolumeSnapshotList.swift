import ArgumentParser
import BoxerSupport
import NodeAPI

struct VolumeSnapshotList: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List a volume's snapshots.",
        discussion: "The snapshots qemu-img lists in the volume (raw volumes have none). The same as GET /v1/volumes/NAME/snapshots.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: VolumeTarget

    func run() async throws {
        let output = global.makeOutput()
        for snapshot in try await makeNodeService().snapshots(of: target.volume) {
            output.text(snapshot.name + (snapshot.created.map { "  \($0)" } ?? ""))
        }
    }
}
