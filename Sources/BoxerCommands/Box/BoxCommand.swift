import ArgumentParser
import BoxStore
import BoxerSupport
import Foundation

/// `boxer box …`: manage the box store.
struct BoxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "box",
        abstract: "Add, list, remove and update boxes.",
        discussion: "Boxes live under $BOXER_HOME/boxes in Vagrant's layout.",
        subcommands: [
            BoxAdd.self, BoxList.self, BoxRemove.self, BoxPrune.self, BoxOutdated.self, BoxUpdate.self, BoxRepackage.self, BoxPack.self,
        ]
    )
}

/// Opens the store of `$BOXER_HOME`; every box command starts here.
func openStore(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> BoxStore {
    try BoxStore(home: BoxerHome(environment: environment))
}
