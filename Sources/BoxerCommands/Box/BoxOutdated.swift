import ArgumentParser
import BoxStore
import BoxerSupport
import Foundation

struct BoxOutdated: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "outdated",
        abstract: "Check installed boxes for newer versions in their catalogs.",
        discussion: """
            Reads each box's catalog (the metadata_url written when it was added from one) and reports \
            whether a newer version exists for its provider and architecture. Boxes added from a file \
            have no catalog and are reported as such. Until boxer reads Vagrantfiles, every installed \
            box is checked, as with Vagrant's --global.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(name: .customLong("global"), help: "Check every installed box (the default for now).")
    var everyBox = false

    func run() async throws {
        let output = global.makeOutput()
        let store = try openStore()
        let checks = await store.checkOutdated(downloader: Downloader(), hostArchitecture: HostArchitecture.current())
        if checks.isEmpty { output.say("There are no installed boxes! Use `boxer box add` to add some.") }
        for check in checks { output.say(check.line) }
    }
}
