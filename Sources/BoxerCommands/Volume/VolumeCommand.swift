import ArgumentParser
import BoxerSupport
import NodeAPI

/// `boxer volume …`: the node API's volumes from the shell, run in this process.
struct VolumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "volume",
        abstract: "Create, attach, detach, snapshot and destroy volumes of nodes.",
        discussion: """
            Volumes are fixed-size disks in $BOXER_HOME/volumes (preallocated qcow2, or raw), \
            attached to nodes (`boxer node`): hot-plugged into a running node, plugged at start \
            into a stopped one. In the guest a volume is the virtio disk whose serial is its name \
            (/dev/disk/by-id/virtio-NAME with udev). The same operations as /v1/volumes of `boxer serve`.
            """,
        subcommands: [
            VolumeList.self, VolumeCreate.self, VolumeAttach.self, VolumeDetach.self, VolumeDestroy.self, VolumeSnapshotCommand.self,
        ]
    )
}

struct VolumeTarget: ParsableArguments {
    @Argument(help: "The volume's name.")
    var volume: String
}

/// One line per volume: name, size, format, where it is attached.
func describe(_ view: VolumeView) -> String {
    "\(view.name)  \(view.sizeMiB) MiB  \(view.format.rawValue)  " + (view.attachedTo.map { "attached to \($0)" } ?? "available")
}
