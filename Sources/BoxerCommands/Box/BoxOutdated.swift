import ArgumentParser
import BoxStore
import BoxerSupport
import Foundation
import Vagrantfile

struct BoxOutdated: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "outdated",
        abstract: "Check boxes for newer versions in their catalogs.",
        discussion: """
            In a project, checks the box of each machine (or of those named) against the catalog it \
            was added from, within the machine's config.vm.box_version, whatever its \
            box_check_update says. With --global, or outside a project, checks every installed box. \
            Boxes added from a file have no catalog and are reported as such.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Machines whose boxes to check (default: all).")
    var names: [String] = []

    @Flag(name: .customLong("global"), help: "Check every installed box, not only this project's.")
    var everyBox = false

    @OptionGroup var download: DownloadFlags

    func run() async throws {
        let output = global.makeOutput()
        if !everyBox, (try? VagrantfileLoader.forProject().locate()) != nil {
            let environment = try openMachineEnvironment(output: output)
            try await environment.checkBoxUpdates(names)
            return
        }
        let store = try openStore()
        var downloader = Downloader()
        downloader.options = download.options
        let checks = await store.checkOutdated(downloader: downloader, hostArchitecture: HostArchitecture.current())
        if checks.isEmpty { output.say("There are no installed boxes! Use `boxer box add` to add some.") }
        for check in checks { output.say(check.line) }
    }
}
