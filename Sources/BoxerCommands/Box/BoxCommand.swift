import ArgumentParser
import BoxStore
import BoxerSupport
import Foundation
import Providers

/// `boxer box …`: manage the box store.
struct BoxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "box",
        abstract: "Add, list, remove and update boxes.",
        discussion: "Boxes live under $BOXER_HOME/boxes in Vagrant's layout.",
        subcommands: [
            BoxAdd.self, BoxList.self, BoxRemove.self, BoxPrune.self, BoxOutdated.self, BoxUpdate.self, BoxRepackage.self, BoxPack.self,
            BoxPublish.self,
        ]
    )
}

/// Opens the store of `$BOXER_HOME`; every box command starts here.
func openStore(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> BoxStore {
    try BoxStore(home: BoxerHome(environment: environment))
}

/// Removes a box from the store and, for a libvirt box, its volumes from every libvirt host
/// boxer uploaded it to. A host that cannot be reached does not fail the removal: the warning
/// gives the command that deletes the volume there by hand.
func removeBox(_ box: InstalledBox, from store: BoxStore, output: Output) async throws {
    try store.remove(box)
    let (removed, failed) = await LibvirtBoxUploads(home: store.home).removeVolumes(ofBoxAt: box.directory.path)
    for upload in removed {
        output.say("Removed its volume '\(upload.volume)' from pool '\(upload.pool)' on \(upload.uri).")
    }
    for (upload, error) in failed {
        output.warn(
            "Could not remove the box's volume '\(upload.volume)' on \(upload.uri): \(error.message)\nRemove it there with: virsh -c '\(upload.uri)' vol-delete --pool '\(upload.pool)' '\(upload.volume)'"
        )
    }
}
